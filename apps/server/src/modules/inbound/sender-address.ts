/** Twilio prefixes non-SMS senders (`whatsapp:+1…`); the contact's address is what follows. */
export function senderAddress(from: string): string {
  return from.replace(/^(whatsapp|sms|mms|rcs):/i, "");
}
