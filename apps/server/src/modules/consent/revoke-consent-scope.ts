import { sql } from "drizzle-orm";
import type { TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import type { TCategory, TEvidenceDetails, TGrantState, TLedgerEntry } from "./consent.types.js";
import { grantColumns, type TGrantRow, toGrant } from "./find-grant.js";
import { narrowedChannels } from "./fold-ledger.js";
import { getCampaign } from "./get-campaign.js";
import { lockConsentHead } from "./lock-consent-head.js";
import type { TGrantEvidence } from "./record-consent.js";
import { requireBrand } from "./require-brand.js";

export interface TRevokeConsentScopeOptions {
  workspaceId: string;
  contactId: string;
  brandId: string;
  /** One campaign's grants; absent: every grant of the brand (brand-wide and per campaign). */
  campaignId?: string | null | undefined;
  /** Grants covering any of these channels are withdrawn (a grant is withdrawn whole). */
  channels: TContactChannel[];
  /** Only grants of this category; absent: every category. */
  category?: TCategory | undefined;
  /** How the person withdrew, where, and what they saw (kept on each withdraw entry). */
  evidence: Omit<TGrantEvidence, "imported">;
  actor: TActor;
  requestId?: string | undefined;
  at?: Date | undefined;
}

/**
 * Withdraw every grant of a contact in one scope — a brand's (any campaign) or one campaign's — that is
 * still pending or active and covers at least one of `channels`: one `withdraw` entry per grant, exactly
 * like `POST /v1/consents/{id}/withdraw` (ledger, projection and audit in the caller's transaction), with
 * the evidence given. For one campaign, each brand-wide grant of the campaign's category that covers it on
 * one of `channels` is narrowed by a `withdraw` entry naming the campaign and those channels: it no longer
 * covers the campaign there, and still covers the brand's other campaigns. Not retroactive. Nothing in
 * force in that scope is a 422 (`nothing_to_revoke`).
 */
export async function revokeConsentScope(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TRevokeConsentScopeOptions,
): Promise<{
  grantIds: string[];
  withdrawals: TLedgerEntry[];
  /** Brand-wide grants that no longer cover the campaign, and the withdraw entries that narrowed them. */
  narrowedGrantIds: string[];
  narrowings: TLedgerEntry[];
}> {
  const at = o.at ?? new Date();
  const campaignId = o.campaignId ?? null;
  if (o.channels.length === 0)
    throw new AppError("validation_failed", {
      message: "a revoke covers at least one channel",
      field: "channels",
    });
  await requireBrand(tx, o);
  let campaignCategory: TCategory | null = null;
  if (campaignId !== null) {
    const campaign = await getCampaign(tx, { workspaceId: o.workspaceId, campaignId });
    if (!campaign || campaign.brandId !== o.brandId)
      throw new AppError("not_found", { message: "campaign not found for this brand", field: "campaignId" });
    campaignCategory = campaign.category;
  }
  const head = await lockConsentHead(tx, o);
  const category = o.category ?? null;
  const channels = [...new Set(o.channels)];
  const inForce = (
    await rows<TGrantRow>(
      tx,
      sql`select ${grantColumns} from consent_grants
        where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} and brand_id = ${o.brandId}
          and status in ('pending', 'active') and channels && ${sql.param(channels)}::text[]
          and (${campaignId}::text is null or campaign_id = ${campaignId} or campaign_id is null)
          and (${category}::text is null or category = ${category})
        order by id`,
    )
  ).map(toGrant);
  // The campaign's own grants (or, for the whole brand, every grant) are withdrawn whole; for one
  // campaign, the brand-wide grants of its category that cover it are narrowed: they stop covering the
  // campaign on these channels and keep everything else the person agreed to.
  const grants = inForce.filter((g) => campaignId === null || g.campaignId === campaignId);
  const narrowed =
    campaignId === null
      ? []
      : inForce.flatMap((g) => {
          if (g.campaignId !== null || g.category !== campaignCategory) return [];
          const taken = narrowedChannels(g, campaignId, channels);
          return taken.length > 0 ? [{ grant: g, channels: taken }] : [];
        });
  if (grants.length === 0 && narrowed.length === 0) {
    throw new AppError("unprocessable", {
      message: "no pending or active consent of this contact in this scope covers these channels",
      field: "channels",
      details: { reason: "nothing_to_revoke" },
    });
  }
  const e = o.evidence;
  const details: TEvidenceDetails = {
    revokeScope: campaignId === null ? "brand" : "campaign",
    revokeChannels: [...new Set(o.channels)].join(","),
  };
  if (category !== null) details.revokeCategory = category;
  if (e.wordingVersion) details.wordingVersion = e.wordingVersion;
  if (e.messageId) details.messageId = e.messageId;
  if (e.pageUrl) details.pageUrl = e.pageUrl;
  if (e.confirmationRef) details.confirmationRef = e.confirmationRef;
  const entryOf = (g: TGrantState, narrowTo?: TContactChannel[]) => ({
    brandId: g.brandId,
    kind: "withdraw" as const,
    refId: g.id,
    ...(narrowTo ? { campaignId, channels: narrowTo } : {}),
    channel: e.channel ?? null,
    method: e.method,
    source: e.source,
    wording: e.wording ?? null,
    evidence: details,
    effectiveAt: at,
    ipSealed: e.ip ? encryptField(keys, o.workspaceId, e.ip) : null,
    userAgentSealed: e.userAgent ? encryptField(keys, o.workspaceId, e.userAgent) : null,
  });
  const written = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [...grants.map((g) => entryOf(g)), ...narrowed.map((n) => entryOf(n.grant, n.channels))],
  });
  return {
    grantIds: grants.map((g) => g.id),
    withdrawals: written.slice(0, grants.length),
    narrowedGrantIds: narrowed.map((n) => n.grant.id),
    narrowings: written.slice(grants.length),
  };
}
