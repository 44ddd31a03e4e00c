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

export interface TRecordOptInOptions {
  workspaceId: string;
  brandId: string;
  contactId: string;
  channel: TContactChannel;
  /**
   * Which opt-out it lifts. Absent: the one a START answers — the opt-out from everything when there is
   * one, else the marketing opt-out. The other stays: an objection to marketing outlives a STOP/START.
   */
  scope?: TOptOutScope | undefined;
  /** How the person asked (an agent's or an API caller's note, a form), kept on the entry. */
  source?: string | undefined;
  evidence: {
    method: "keyword" | "natural_language" | "provider_preference" | "button" | "api";
    messageId?: string;
    confidence?: number;
    matched?: string;
    language?: string;
  };
  actor: TActor;
  requestId?: string;
  at?: Date;
}

/**
 * START / UNSTOP / YES after an opt-out: lifts one of this brand's opt-outs (see `scope`), restoring the
 * grants it suppressed. It re-subscribes only a contact who has that opt-out: otherwise nothing is
 * written. It never creates consent.
 */
export async function recordOptIn(
  tx: TTx,
  o: TRecordOptInOptions,
): Promise<{ ledgerEntryId: string | null; resubscribed: boolean }> {
  const at = o.at ?? new Date();
  const head = await lockConsentHead(tx, o);
  await requireBrand(tx, o);
  const before = await readSuppression(tx, o);
  const scope: TOptOutScope = o.scope ?? (before.optOutAllEntryId !== null ? "all" : "marketing");
  const lifted = scope === "all" ? before.optOutAllEntryId : before.optOutMarketingEntryId;
  if (lifted === null) return { ledgerEntryId: null, resubscribed: false };
  const [entry] = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [
      {
        brandId: o.brandId,
        kind: "opt_in",
        scope,
        channel: o.channel,
        method: o.evidence.method,
        ...(o.source ? { source: o.source } : {}),
        effectiveAt: at,
        evidence: evidenceDetails(o.evidence),
      },
    ],
  });
  // The cross-brand signal marks a brand while any opt-out from it stands (record-opt-out.ts).
  const remaining = scope === "all" ? before.optOutMarketingEntryId : before.optOutAllEntryId;
  if (remaining === null) await recordOptOutSignal(tx, { ...o, optedOut: false, at });
  return { ledgerEntryId: entry?.id ?? null, resubscribed: true };
}
