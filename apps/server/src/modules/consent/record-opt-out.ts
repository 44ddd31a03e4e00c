import type { TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import type { TOptOutScope } from "./consent.types.js";
import { evidenceDetails } from "./evidence-details.js";
import { lockConsentHead } from "./lock-consent-head.js";
import { readSuppression } from "./read-suppression.js";
import { recordOptOutSignal } from "./record-opt-out-signal.js";
import { requireBrand } from "./require-brand.js";

/** How an opt-out was expressed. Never the message text: the message id points to it. */
export interface TOptOutEvidence {
  method: "keyword" | "natural_language" | "provider_preference" | "button" | "api" | "agent" | "import";
  messageId?: string;
  confidence?: number;
  matched?: string;
  language?: string;
  text?: never;
}

export interface TRecordOptOutOptions {
  workspaceId: string;
  brandId: string;
  contactId: string;
  /** all: everything from this brand on every channel; marketing: the brand's marketing only. */
  scope: TOptOutScope;
  /** The channel the request came on (it applies on every channel). */
  channel: TContactChannel;
  evidence: TOptOutEvidence;
  /** Where it came from when not from a message of ours (an imported suppression list, a call centre). */
  source?: string;
  actor: TActor;
  requestId?: string;
  at?: Date;
}

/**
 * Append an opt-out with its evidence, after taking FOR UPDATE on the contact's consent head: it holds
 * until commit, so no dispatch decision for this contact interleaves with it. A repeated request is still
 * recorded (it is evidence too); `alreadyOptedOut` says an opt-out covering this scope was already in force.
 * The cross-brand signal (recordOptOutSignal) is kept in the same transaction.
 */
export async function recordOptOut(
  tx: TTx,
  o: TRecordOptOutOptions,
): Promise<{ ledgerEntryId: string; alreadyOptedOut: boolean }> {
  const at = o.at ?? new Date();
  const head = await lockConsentHead(tx, o);
  await requireBrand(tx, o);
  const before = await readSuppression(tx, o);
  const alreadyOptedOut =
    before.optOutAllEntryId !== null || (o.scope === "marketing" && before.optOutMarketingEntryId !== null);
  const [entry] = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [
      {
        brandId: o.brandId,
        kind: "opt_out",
        scope: o.scope,
        channel: o.channel,
        method: o.evidence.method,
        source: o.source ?? null,
        effectiveAt: at,
        evidence: evidenceDetails(o.evidence),
      },
    ],
  });
  if (!entry) throw new Error("opt-out not appended");
  await recordOptOutSignal(tx, { ...o, optedOut: true, at });
  return { ledgerEntryId: entry.id, alreadyOptedOut };
}
