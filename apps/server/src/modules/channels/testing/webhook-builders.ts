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
  /** The wa_id; "" when Meta hides the number and names the person by `userId` alone. */
  from: string;
  id: string;
  body: string;
  profileName?: string;
  at?: Date;
  /** The business-scoped user id (BSUID): `contacts[].user_id` and `messages[].from_user_id`. */
  userId?: string;
  /** The wamid of the message this one replies to (`context.id`). */
  contextId?: string;
}) {
  const user = input.userId === undefined ? {} : { user_id: input.userId };
  const fromUser = input.userId === undefined ? {} : { from_user_id: input.userId };
  const context = input.contextId === undefined ? {} : { context: { from: input.from, id: input.contextId } };
  return whatsappEnvelope(input.phoneNumberId, "messages", {
    contacts: [{ profile: { name: input.profileName ?? "Test User" }, wa_id: input.from, ...user }],
    messages: [
      {
        from: input.from,
        ...fromUser,
        id: input.id,
        timestamp: unixSeconds(input.at ?? new Date()),
        type: "text",
        text: { body: input.body },
        ...context,
      },
    ],
  });
}

export function buildWhatsAppStatusWebhook(input: {
  phoneNumberId: string;
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  /** The recipient's number; `undefined` leaves the key out, `""` is Meta's "hidden". */
  recipientId: string | undefined;
  /** The recipient's business-scoped user id (BSUID), when Meta gives it. */
  recipientUserId?: string;
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
          ...(input.recipientId === undefined ? {} : { recipient_id: input.recipientId }),
          ...(input.recipientUserId === undefined ? {} : { recipient_user_id: input.recipientUserId }),
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

/** A `user_preferences` change: the person switched marketing messages off (`stop`) or on (`resume`). */
export function buildWhatsAppPreferenceWebhook(input: {
  phoneNumberId: string;
  waId: string;
  /** The person's business-scoped user id (BSUID), when Meta gives it. */
  userId?: string;
  value: "stop" | "resume";
  at?: Date;
}) {
  const user = input.userId === undefined ? {} : { user_id: input.userId };
  return whatsappEnvelope(input.phoneNumberId, "user_preferences", {
    contacts: [{ wa_id: input.waId, ...user, profile: { name: "Test User" } }],
    user_preferences: [
      {
        wa_id: input.waId,
        ...user,
        detail: `User requested to ${input.value} marketing messages`,
        category: "marketing_messages",
        value: input.value,
        timestamp: unixSeconds(input.at ?? new Date()),
      },
    ],
  });
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
  /** The mid of the message this one replies to (`reply_to.mid`). */
  replyToMid?: string;
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
            message: {
              mid: input.mid,
              text: input.text,
              ...(input.replyToMid === undefined ? {} : { reply_to: { mid: input.replyToMid } }),
            },
          },
        ],
      },
    ],
  };
}
