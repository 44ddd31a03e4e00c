import { z } from "zod";
import { ZContactChannel } from "../contacts/index.js";
import type { TCampaign, TDecision, TGrantState, TLedgerEntry } from "./consent.types.js";
import { ledgerKinds, ZBasis, ZCategory, ZDecisionReason } from "./consent.types.js";
import type { TConsentState } from "./get-consent-state.js";
import type { TGrantStanding } from "./grant-standing.js";

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export const ZGrant = z.object({
  id: z.string(),
  contactId: z.string(),
  brandId: z.string(),
  campaignId: z.string().nullable(),
  category: ZCategory,
  channels: z.array(ZContactChannel),
  basis: ZBasis,
  status: z.enum(["pending", "active", "withdrawn"]),
  standing: z.enum(["active", "pending", "expired", "withdrawn"]),
  effectiveAt: z.string(),
  expiresAt: z.string().nullable(),
  confirmBy: z.string().nullable(),
  confirmedEntryId: z.string().nullable(),
  withdrawnEntryId: z.string().nullable(),
  /**
   * A brand-wide grant: the campaigns the person withdrew from since, per channel, with the withdraw
   * entry. The grant no longer covers them there; it still covers the brand's other campaigns.
   */
  // Optional in the schema only so that an answer kept for an Idempotency-Key before it existed replays.
  excludedCampaigns: z
    .array(z.object({ campaignId: z.string(), channel: ZContactChannel, ledgerEntryId: z.string() }))
    .optional(),
  /**
   * Only in the answer that created a pending grant (never again): the signed token of the confirmation
   * link `GET /v1/consents/confirm?token=…`.
   */
  confirmToken: z.string().optional(),
  confirmUrl: z.string().optional(),
});
export type TGrantJson = z.infer<typeof ZGrant>;

export function presentGrant(
  contactId: string,
  g: TGrantState,
  standing: TGrantStanding,
  confirmToken?: string,
): TGrantJson {
  return {
    ...(confirmToken
      ? { confirmToken, confirmUrl: `/v1/consents/confirm?token=${encodeURIComponent(confirmToken)}` }
      : {}),
    id: g.id,
    contactId,
    brandId: g.brandId,
    campaignId: g.campaignId,
    category: g.category,
    channels: g.channels,
    basis: g.basis,
    status: g.status,
    standing,
    effectiveAt: g.effectiveAt.toISOString(),
    expiresAt: iso(g.expiresAt),
    confirmBy: iso(g.confirmBy),
    confirmedEntryId: g.confirmedEntryId,
    withdrawnEntryId: g.withdrawnEntryId,
    excludedCampaigns: (g.exclusions ?? []).map((x) => {
      const [campaignId = "", channel = "", ledgerEntryId = ""] = x.split(":");
      return { campaignId, channel: channel as TGrantJson["channels"][number], ledgerEntryId };
    }),
  };
}

export const ZLedgerEntry = z.object({
  id: z.string(),
  seq: z.number(),
  kind: z.enum(ledgerKinds),
  brandId: z.string(),
  refId: z.string().nullable(),
  campaignId: z.string().nullable(),
  category: ZCategory.nullable(),
  channels: z.array(ZContactChannel).nullable(),
  basis: ZBasis.nullable(),
  pending: z.boolean().nullable(),
  scope: z.enum(["all", "marketing"]).nullable(),
  channel: ZContactChannel.nullable(),
  method: z.string(),
  source: z.string().nullable(),
  wording: z.string().nullable(),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  effectiveAt: z.string(),
  expiresAt: z.string().nullable(),
  confirmBy: z.string().nullable(),
  recordedAt: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  requestId: z.string().nullable(),
  prevHash: z.string(),
  hash: z.string(),
});
export type TLedgerEntryJson = z.infer<typeof ZLedgerEntry>;

/** A ledger entry without its sealed evidence (IP, user agent): those appear only in a proof export. */
export function presentLedgerEntry(e: TLedgerEntry): TLedgerEntryJson {
  return {
    id: e.id,
    seq: e.seq,
    kind: e.kind,
    brandId: e.brandId,
    refId: e.refId,
    campaignId: e.campaignId,
    category: e.category,
    channels: e.channels,
    basis: e.basis,
    pending: e.pending,
    scope: e.scope,
    channel: e.channel,
    method: e.method,
    source: e.source,
    wording: e.wording,
    evidence: e.evidence,
    effectiveAt: e.effectiveAt.toISOString(),
    expiresAt: iso(e.expiresAt),
    confirmBy: iso(e.confirmBy),
    recordedAt: e.recordedAt.toISOString(),
    actor: { type: e.actorType, id: e.actorId },
    requestId: e.requestId,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export const ZConsentStateJson = z.object({
  contactId: z.string(),
  grants: z.array(ZGrant),
  optOuts: z.array(
    z.object({ brandId: z.string(), scope: z.enum(["all", "marketing"]), ledgerEntryId: z.string() }),
  ),
});

export function presentConsentState(s: TConsentState): z.infer<typeof ZConsentStateJson> {
  return {
    contactId: s.contactId,
    grants: s.grants.map((g) => presentGrant(s.contactId, g, g.standing)),
    optOuts: s.suppressions.flatMap((x) => [
      ...(x.optOutAllEntryId
        ? [{ brandId: x.brandId, scope: "all" as const, ledgerEntryId: x.optOutAllEntryId }]
        : []),
      ...(x.optOutMarketingEntryId
        ? [{ brandId: x.brandId, scope: "marketing" as const, ledgerEntryId: x.optOutMarketingEntryId }]
        : []),
    ]),
  };
}

export const ZDecisionJson = z.object({
  allowed: z.boolean(),
  reason: ZDecisionReason,
  basis: ZBasis.nullable(),
  ledgerEntryIds: z.array(z.string()),
  notBefore: z.string().nullable(),
  contactId: z.string().nullable(),
});

export function presentDecision(d: TDecision, contactId: string | null): z.infer<typeof ZDecisionJson> {
  return {
    allowed: d.allowed,
    reason: d.reason,
    basis: d.basis,
    ledgerEntryIds: d.ledgerEntryIds,
    notBefore: d.notBefore?.toISOString() ?? null,
    contactId,
  };
}

export const ZCheckJson = z.object({
  allowed: z.boolean(),
  reason: ZDecisionReason,
  basis: ZBasis.nullable(),
  ledgerEntryIds: z.array(z.string()),
  /** quiet_hours: the first minute the send would be allowed; null otherwise (and when the windows never meet). */
  notBefore: z.string().nullable(),
  contactId: z.string().nullable(),
  /** Internal signals, for ranking or throttling only: they never change `allowed`. */
  signals: z.object({ optOutPropensity: z.number() }),
});
export type TCheckJson = z.infer<typeof ZCheckJson>;

/** The check API's answer: every field always there (`notBefore` null when there is none), in one shape. */
export function presentCheck(d: TDecision, contactId: string | null, optOutPropensity: number): TCheckJson {
  return {
    allowed: d.allowed,
    reason: d.reason,
    basis: d.basis,
    ledgerEntryIds: d.ledgerEntryIds,
    notBefore: d.notBefore ? d.notBefore.toISOString() : null,
    contactId,
    signals: { optOutPropensity },
  };
}

export const ZCampaignJson = z.object({
  id: z.string(),
  brandId: z.string(),
  name: z.string(),
  category: ZCategory,
  channels: z.array(ZContactChannel),
  createdAt: z.string(),
});
export type TCampaignJson = z.infer<typeof ZCampaignJson>;

export function presentCampaign(c: TCampaign): TCampaignJson {
  return {
    id: c.id,
    brandId: c.brandId,
    name: c.name,
    category: c.category,
    channels: c.channels,
    createdAt: c.createdAt.toISOString(),
  };
}
