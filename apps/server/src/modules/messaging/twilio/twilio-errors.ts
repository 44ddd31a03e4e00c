/** A Twilio REST error, answered in Twilio's JSON shape. */
export class TwilioApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "TwilioApiError";
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
      ...this.extra,
    };
  }
}

/** Our refusal reasons → the Twilio error code the endpoint answers with (documented in docs/messaging.md). */
export function twilioCodeForRefusal(reason: string | null): { code: number; message: string } {
  switch (reason) {
    case "opted_out":
    case "opted_out_marketing":
      return { code: 21610, message: "Attempt to send to unsubscribed recipient" };
    case "outside_session_window":
      return {
        code: 63016,
        message: "Failed to send freeform message because you are outside the allowed window.",
      };
    default:
      return { code: 30007, message: `Message refused: no consent covers it (${reason ?? "refused"})` };
  }
}

export const twilioErrors = {
  authenticate: () => new TwilioApiError(20003, "Authenticate", 401),
  notFound: (path: string) => new TwilioApiError(20404, `The requested resource ${path} was not found`, 404),
  toRequired: () => new TwilioApiError(21604, "A 'To' phone number is required."),
  fromRequired: () => new TwilioApiError(21603, "A 'From' phone number is required."),
  bodyRequired: () => new TwilioApiError(21602, "Message body is required."),
  bodyTooLong: () =>
    new TwilioApiError(21617, "The concatenated message body exceeds the 1600 character limit."),
  invalidTo: () => new TwilioApiError(21211, "Invalid 'To' Phone Number"),
  invalidFrom: () =>
    new TwilioApiError(
      21606,
      "The 'From' phone number provided is not a valid message-capable phone number for this caller.",
    ),
  /** Our own case: two active senders share the number, and each belongs to a brand whose consent differs. */
  ambiguousFrom: () =>
    new TwilioApiError(
      21606,
      "The 'From' phone number belongs to more than one sender of this account: send with the MessagingServiceSid of the one to use.",
      400,
      { field: "From" },
    ),
  unknownService: () => new TwilioApiError(21701, "The Messaging Service Sid is invalid"),
  fromToPair: () =>
    new TwilioApiError(21910, "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel"),
  invalidCallback: (why: string) =>
    new TwilioApiError(21609, `Invalid StatusCallback: ${why}`, 400, { field: "StatusCallback" }),
  invalidMedia: () => new TwilioApiError(21620, "Invalid media URL(s)"),
  idempotency: () => new TwilioApiError(20409, "Idempotency token reused with a different request", 409),
  /** `ScheduleType` other than `fixed`, or `SendAt` without it. */
  scheduleType: () =>
    new TwilioApiError(
      35126,
      "The ScheduleType value provided is not supported: it must be 'fixed' to schedule a message with SendAt.",
      400,
      { field: "ScheduleType" },
    ),
  sendAtMissing: () =>
    new TwilioApiError(
      35111,
      "SendAt timestamp is missing: it is required when ScheduleType is 'fixed'.",
      400,
      {
        field: "SendAt",
      },
    ),
  /** Unparseable, or outside Twilio's window (15 minutes to 35 days ahead). */
  sendAtUnsupported: (why: string) =>
    new TwilioApiError(35114, `Scheduling does not support this timestamp: SendAt ${why}`, 400, {
      field: "SendAt",
    }),
  /**
   * Our server failed (the database connection was lost while the send was committed: it may have been
   * accepted). Twilio's 20500, whose documentation warns that retrying such a send may send it twice.
   */
  serverError: (message: string) => new TwilioApiError(20500, message, 500),
  badRequest: (message: string) => new TwilioApiError(21100, message),
  /** A parameter (or header) given twice, too long, or holding a NUL character, named in `field`. */
  invalidParameter: (name: string) =>
    new TwilioApiError(21100, `Invalid parameter: ${name}`, 400, { field: name }),
} as const;

/** Our status → Twilio's MessageStatus. */
export function twilioStatus(status: string): string {
  switch (status) {
    case "suppressed":
      return "failed";
    case "unknown":
      return "sending";
    default:
      return status;
  }
}

/** RFC 2822 the way Twilio writes it: "Thu, 30 Jul 2015 20:12:31 +0000". */
export function rfc2822(d: Date): string {
  return d.toUTCString().replace("GMT", "+0000");
}
