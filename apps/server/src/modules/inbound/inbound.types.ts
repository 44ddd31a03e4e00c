import type { TActor, TAuditEvent } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import type { TLogger } from "../../core/logger.js";
import type { TChannel, TProviderId } from "../channels/index.js";
import type { TWebhookEventType } from "../webhooks/index.js";
import type { TBrandIntent } from "./get-intent-settings.js";

/** The channel account an inbound event arrived on (already verified). */
export interface TInboundAccount {
  id: string;
  workspaceId: string;
  brandId: string;
  providerId: TProviderId;
  channel: TChannel;
}

/** Everything the handlers need besides the transaction. */
export interface TInboundContext {
  account: TInboundAccount;
  keys: TWorkspaceKeys;
  /** The brand's name and intent settings, read once per request inside its first transaction. */
  brand(tx: TTx): Promise<TBrandIntent>;
  clock: () => Date;
  logger: TLogger;
  /** Who the audit log names for the reception (the provider, or the API key that simulated it). */
  actor: TActor;
  requestId?: string | undefined;
}

/**
 * What Assent did about an inbound message:
 * - `opted_out` / `opted_out_marketing`: ledger entry appended, queued messages suppressed;
 * - `opted_in`: re-subscribed after an earlier opt-out; `opt_in_noop`: START without an earlier opt-out;
 * - `double_opt_in_confirmed`: a YES confirmed pending double-opt-in grants;
 * - `help`: the help text was queued (or the provider answered it);
 * - `clarify_asked`: an uncertain opt-out under the "clarify" policy got the one clarifying question;
 * - `clarify_pending`: another uncertain message while that question is open (no second question);
 * - `clarify_kept`: YES to the question: nothing is suppressed and the question is closed;
 * - `none`: an ordinary message.
 */
export type TInboundAction =
  | "opted_out"
  | "opted_out_marketing"
  | "opted_in"
  | "opt_in_noop"
  | "double_opt_in_confirmed"
  | "help"
  | "clarify_asked"
  | "clarify_pending"
  | "clarify_kept"
  | "none";

export interface TIntentSummary {
  intent: "opt_out" | "opt_out_marketing" | "opt_in" | "help" | "none";
  confidence: number;
  language: string;
  source: string;
  matched?: string | undefined;
  uncertain: boolean;
}

export type TInboundOutcome =
  | {
      kind: "message";
      duplicate: boolean;
      inboundMessageId: string;
      contactId: string;
      intent: TIntentSummary | null;
      action: TInboundAction | null;
      ledgerEntryId: string | null;
      replyMessageId: string | null;
      suppressed: number;
    }
  | { kind: "status"; messageId: string | null }
  | {
      kind: "preference";
      duplicate: boolean;
      contactId: string | null;
      action: "opted_out_marketing" | "opted_in" | "opt_in_noop" | null;
    }
  | { kind: "reachability"; contactId: string | null; unreachable: boolean; applied: boolean }
  | { kind: "business_connection"; businessConnectionId: string; enabled: boolean }
  | { kind: "ignored"; reason: string }
  | { kind: "rejected"; code: string; field?: string | undefined };

/** Customer webhook events and audit events gathered during one transaction, written at its end. */
export interface TEffects {
  webhooks: { workspaceId: string; type: TWebhookEventType; data: Record<string, unknown>; at?: Date }[];
  audits: TAuditEvent[];
}
