import { z } from "zod";

/** Channel account credentials for Twilio Programmable Messaging. */
export const ZTwilioCredentials = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
    /** Signs webhooks (X-Twilio-Signature); also the API password unless an API key is given. */
    authToken: z.string().min(1),
    /** Default sender: E.164 number, short code, alphanumeric id or `whatsapp:+…`. */
    from: z.string().min(1).optional(),
    /** Send through a Messaging Service instead of one number (sender pool, Advanced Opt-Out). */
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/)
      .optional(),
    /** Optional API key used for REST Basic auth instead of AccountSid:AuthToken. */
    apiKeySid: z
      .string()
      .regex(/^SK[0-9a-fA-F]{32}$/)
      .optional(),
    apiKeySecret: z.string().min(1).optional(),
  })
  .refine((c) => c.from !== undefined || c.messagingServiceSid !== undefined, {
    message: "from or messagingServiceSid is required",
  })
  .refine((c) => (c.apiKeySid === undefined) === (c.apiKeySecret === undefined), {
    message: "apiKeySid and apiKeySecret go together",
  });
export type TTwilioCredentials = z.infer<typeof ZTwilioCredentials>;

/** The Message resource Twilio answers a create with (only the fields we use). */
export const ZTwilioMessageResource = z.object({
  sid: z.string().regex(/^[A-Z]{2}[0-9a-fA-F]{32}$/),
  status: z.string().optional(),
  num_segments: z.string().nullable().optional(),
  error_code: z.number().int().nullable().optional(),
  date_created: z.string().nullable().optional(),
});

/** Twilio REST error body. */
export const ZTwilioErrorBody = z.object({
  code: z.number().int(),
  message: z.string().optional(),
  more_info: z.string().optional(),
  status: z.number().int().optional(),
});

/** Inbound message webhook (form fields; Twilio adds fields without notice, so unknown keys pass). */
export const ZTwilioInbound = z.looseObject({
  MessageSid: z.string().min(1),
  AccountSid: z.string().optional(),
  From: z.string().min(1),
  To: z.string().min(1),
  Body: z.string(),
  NumMedia: z
    .string()
    .regex(/^\d{1,2}$/)
    .optional(),
  OptOutType: z.string().optional(),
  /** WhatsApp senders: the user's profile name, quick-reply payload and text, replied-to message. */
  ProfileName: z.string().optional(),
  ButtonPayload: z.string().optional(),
  OriginalRepliedMessageSid: z.string().optional(),
});
export type TTwilioInbound = z.infer<typeof ZTwilioInbound>;

/** Status callback (form fields). */
export const ZTwilioStatusCallback = z.looseObject({
  MessageSid: z.string().min(1),
  MessageStatus: z.string().min(1),
  ErrorCode: z.string().optional(),
  ErrorMessage: z.string().optional(),
  To: z.string().optional(),
  From: z.string().optional(),
  AccountSid: z.string().optional(),
});
export type TTwilioStatusCallback = z.infer<typeof ZTwilioStatusCallback>;
