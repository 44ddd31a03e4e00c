import { z } from "zod";

/**
 * Public wire contracts of the Assent API, shared by the server, the dashboard and SDK users.
 * The server validates against its own route schemas; these describe what a client receives.
 */

/** Every error answers in this shape. */
export const ZApiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    requestId: z.string(),
    errorId: z.string().optional(),
    details: z.unknown().optional(),
  }),
});
export type TApiError = z.infer<typeof ZApiError>;

export const messageStatuses = [
  "queued",
  "scheduled",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "undelivered",
  "suppressed",
  "unknown",
] as const;
export const ZMessageStatus = z.enum(messageStatuses);
export type TMessageStatus = z.infer<typeof ZMessageStatus>;

/** Why a send was allowed or refused (closed list). */
export const decisionReasons = [
  "consent_granted",
  "transactional_basis",
  "consent_missing",
  "consent_pending",
  "consent_revoked",
  "consent_expired",
  "opted_out",
  "opted_out_marketing",
  "channel_not_covered",
  "contact_restricted",
  "contact_erased",
  "minor",
  "quiet_hours",
] as const;
export const ZDecisionReason = z.enum(decisionReasons);
export type TDecisionReason = z.infer<typeof ZDecisionReason>;

export const intents = ["opt_out", "opt_out_marketing", "opt_in", "help", "none"] as const;
export const ZIntent = z.enum(intents);
export type TIntent = z.infer<typeof ZIntent>;

/** A page of a list endpoint: pass `nextCursor` back as `?cursor=` until it is null. */
export function ZPage<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}
