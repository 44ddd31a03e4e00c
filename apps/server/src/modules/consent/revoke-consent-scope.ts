import { sql } from "drizzle-orm";
import type { TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import type { TCategory, TEvidenceDetails, TLedgerEntry } from "./consent.types.js";
import { grantColumns, type TGrantRow, toGrant } from "./find-grant.js";
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
 * the evidence given. Not retroactive. Nothing in force in that scope is a 422 (`nothing_to_revoke`).
 */
export async function revokeConsentScope(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TRevokeConsentScopeOptions,
): Promise<{ grantIds: string[]; withdrawals: TLedgerEntry[] }> {
  const at = o.at ?? new Date();
  const campaignId = o.campaignId ?? null;
  if (o.channels.length === 0)
    throw new AppError("validation_failed", {
      message: "a revoke covers at least one channel",
      field: "channels",
    });
  await requireBrand(tx, o);
  if (campaignId !== null) {
    const campaign = await getCampaign(tx, { workspaceId: o.workspaceId, campaignId });
    if (!campaign || campaign.brandId !== o.brandId)
      throw new AppError("not_found", { message: "campaign not found for this brand", field: "campaignId" });
  }
  const head = await lockConsentHead(tx, o);
  const category = o.category ?? null;
  const grants = (
    await rows<TGrantRow>(
      tx,
      sql`select ${grantColumns} from consent_grants
        where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} and brand_id = ${o.brandId}
          and status in ('pending', 'active') and channels && ${sql.param([...new Set(o.channels)])}::text[]
          and (${campaignId}::text is null or campaign_id = ${campaignId})
          and (${category}::text is null or category = ${category})
        order by id`,
    )
  ).map(toGrant);
  if (grants.length === 0) {
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
  const withdrawals = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: grants.map((g) => ({
      brandId: g.brandId,
      kind: "withdraw" as const,
      refId: g.id,
      channel: e.channel ?? null,
      method: e.method,
      source: e.source,
      wording: e.wording ?? null,
      evidence: details,
      effectiveAt: at,
      ipSealed: e.ip ? encryptField(keys, o.workspaceId, e.ip) : null,
      userAgentSealed: e.userAgent ? encryptField(keys, o.workspaceId, e.userAgent) : null,
    })),
  });
  return { grantIds: grants.map((g) => g.id), withdrawals };
}
