import type { TContactChannel } from "../contacts/index.js";
import type { TGrantState, TLedgerEntry, TSuppressionState } from "./consent.types.js";

/**
 * The channels of `channels` a brand-wide grant covers and does not yet exclude for this campaign: what a
 * withdrawal from that campaign takes out of it (the projection's SQL applies the same rule).
 */
export function narrowedChannels(
  grant: Pick<TGrantState, "channels" | "exclusions">,
  campaignId: string,
  channels: readonly TContactChannel[],
): TContactChannel[] {
  const out: TContactChannel[] = [];
  for (const ch of channels) {
    if (!grant.channels.includes(ch) || out.includes(ch)) continue;
    if ((grant.exclusions ?? []).some((x) => x.startsWith(`${campaignId}:${ch}:`))) continue;
    out.push(ch);
  }
  return out;
}

export interface TFoldedConsent {
  grants: Map<string, TGrantState>;
  suppressions: Map<string, TSuppressionState>;
  /** Grant id → its `expire` entry (the projection's `consent_grants.expired_entry_id`). */
  expiries: Map<string, string>;
}

/**
 * The consent state of one contact as the fold of its ledger, in sequence order. This is the definition
 * the stored projection must equal (appendLedgerEntries keeps it incrementally; verifyConsent compares).
 */
export function foldLedger(entries: readonly TLedgerEntry[]): TFoldedConsent {
  const grants = new Map<string, TGrantState>();
  const suppressions = new Map<string, TSuppressionState>();
  const expiries = new Map<string, string>();
  for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
    const grant = e.refId ? grants.get(e.refId) : undefined;
    switch (e.kind) {
      case "grant":
        grants.set(e.id, {
          id: e.id,
          brandId: e.brandId,
          campaignId: e.campaignId,
          category: e.category ?? "marketing",
          channels: e.channels ?? [],
          basis: e.basis ?? "consent",
          status: e.pending ? "pending" : "active",
          effectiveAt: e.effectiveAt,
          expiresAt: e.expiresAt,
          confirmBy: e.confirmBy,
          confirmedEntryId: null,
          withdrawnEntryId: null,
        });
        break;
      case "confirm":
        if (grant?.status === "pending")
          grants.set(grant.id, { ...grant, status: "active", confirmedEntryId: e.id });
        break;
      case "withdraw":
        if (!grant || grant.status === "withdrawn") break;
        if (grant.campaignId === null && e.campaignId !== null) {
          // Withdrawn from one campaign: the brand-wide grant stops covering it on these channels.
          const added = narrowedChannels(grant, e.campaignId, e.channels ?? []).map(
            (ch) => `${e.campaignId}:${ch}:${e.id}`,
          );
          if (added.length > 0)
            grants.set(grant.id, { ...grant, exclusions: [...(grant.exclusions ?? []), ...added] });
        } else grants.set(grant.id, { ...grant, status: "withdrawn", withdrawnEntryId: e.id });
        break;
      case "opt_out": {
        const s = suppressions.get(e.brandId) ?? {
          brandId: e.brandId,
          optOutAllEntryId: null,
          optOutMarketingEntryId: null,
        };
        suppressions.set(e.brandId, {
          brandId: e.brandId,
          optOutAllEntryId: s.optOutAllEntryId ?? (e.scope === "all" ? e.id : null),
          optOutMarketingEntryId: s.optOutMarketingEntryId ?? (e.scope === "marketing" ? e.id : null),
        });
        break;
      }
      case "opt_in": {
        // Lifts the opt-out of its scope; an entry without one (written before scopes) lifts both.
        const s = suppressions.get(e.brandId);
        if (s)
          suppressions.set(e.brandId, {
            brandId: e.brandId,
            optOutAllEntryId: e.scope === "marketing" ? s.optOutAllEntryId : null,
            optOutMarketingEntryId: e.scope === "all" ? s.optOutMarketingEntryId : null,
          });
        break;
      }
      case "expire":
        if (grant && grant.status !== "withdrawn" && !expiries.has(grant.id)) expiries.set(grant.id, e.id);
        break;
    }
  }
  return { grants, suppressions, expiries };
}
