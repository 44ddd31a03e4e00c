/**
 * Builders for provider webhook bodies in their documented shapes, for end-to-end tests. Serialise
 * with JSON.stringify, sign the resulting bytes, and post those exact bytes.
 */

function unixSeconds(at: Date): string {
  return String(Math.floor(at.getTime() / 1000));
}

/** The WhatsApp Business Account id in Meta's examples. */
const exampleWabaId = "102290129340398";

function whatsappEnvelope(
  phoneNumberId: string,
  field: string,
  value: Record<string, unknown>,
  wabaId = exampleWabaId,
) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: wabaId,
        changes: [
          {
            field,
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

export function buildWhatsAppTextWebhook(input: {
  phoneNumberId: string;
  from: string;
  id: string;
  body: string;
  profileName?: string;
  at?: Date;
}) {
  return whatsappEnvelope(input.phoneNumberId, "messages", {
    contacts: [{ profile: { name: input.profileName ?? "Test User" }, wa_id: input.from }],
    messages: [
      {
        from: input.from,
        id: input.id,
        timestamp: unixSeconds(input.at ?? new Date()),
        type: "text",
        text: { body: input.body },
      },
    ],
  });
}

export function buildWhatsAppStatusWebhook(input: {
  phoneNumberId: string;
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  recipientId: string;
  errorCode?: number;
  bizOpaqueCallbackData?: string;
  at?: Date;
  wabaId?: string;
}) {
  return whatsappEnvelope(
    input.phoneNumberId,
    "messages",
    {
      statuses: [
        {
          id: input.id,
          status: input.status,
          timestamp: unixSeconds(input.at ?? new Date()),
          recipient_id: input.recipientId,
          ...(input.bizOpaqueCallbackData === undefined
            ? {}
            : { biz_opaque_callback_data: input.bizOpaqueCallbackData }),
          ...(input.errorCode === undefined
            ? {}
            : { errors: [{ code: input.errorCode, title: "Message failed", message: "Message failed" }] }),
        },
      ],
    },
    input.wabaId,
  );
}

export function buildTelegramTextUpdate(input: {
  updateId: number;
  chatId: number;
  messageId: number;
  text: string;
  firstName?: string;
  at?: Date;
}) {
  return {
    update_id: input.updateId,
    message: {
      message_id: input.messageId,
      from: { id: input.chatId, is_bot: false, first_name: input.firstName ?? "Test", language_code: "en" },
      chat: { id: input.chatId, first_name: input.firstName ?? "Test", type: "private" },
      date: Math.floor((input.at ?? new Date()).getTime() / 1000),
      text: input.text,
    },
  };
}

export function buildInstagramTextWebhook(input: {
  igId: string;
  from: string;
  mid: string;
  text: string;
  at?: Date;
}) {
  const time = (input.at ?? new Date()).getTime();
  return {
    object: "instagram",
    entry: [
      {
        id: input.igId,
        time,
        messaging: [
          {
            sender: { id: input.from },
            recipient: { id: input.igId },
            timestamp: time,
            message: { mid: input.mid, text: input.text },
          },
        ],
      },
    ],
  };
}
