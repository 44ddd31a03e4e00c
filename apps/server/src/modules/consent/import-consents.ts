import type { TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { normalizeAddress, resolveContactByAddress, type TContactChannel } from "../contacts/index.js";
import type { TBasis, TCategory } from "./consent.types.js";
import { getCampaign } from "./get-campaign.js";
import { recordConsent } from "./record-consent.js";
import { recordOptOut } from "./record-opt-out.js";
import { requireBrand } from "./require-brand.js";

export interface TImportRecord {
  channel: TContactChannel;
  address: string;
  effectiveAt?: Date | undefined;
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface TImportConsentsOptions {
  workspaceId: string;
  brandId: string;
  records: TImportRecord[];
  /** Import grants: each record's consent, with the evidence all of them share. */
  grant?:
    | {
        campaignId?: string | undefined;
        category: TCategory;
        channels?: TContactChannel[] | undefined;
        basis: TBasis;
        source: string;
        wording?: string | undefined;
        wordingVersion?: string | undefined;
        implied?: "purchase" | "inquiry" | undefined;
        expiresAt?: Date | undefined;
      }
    | undefined;
  /** Import a suppression list: each record opted out of this brand. */
  optOut?: { scope: "all" | "marketing"; source: string } | undefined;
  actor: TActor;
  requestId?: string | undefined;
  at: Date;
}

export interface TImportResult {
  imported: number;
  contactsCreated: number;
  /** Records not imported because the contact cannot hold this consent (a minor for marketing, an erased contact). */
  skipped: { index: number; reason: "minor" | "erased" }[];
  /** Opt-out imports: records that were already opted out. */
  alreadyOptedOut: number;
}

/**
 * Import consents gathered elsewhere (method `import`, with the shared source and wording) or a
 * suppression list. Every address is checked before anything is written, so a bad record is a 400 naming
 * `records[i].address` and nothing is imported. An imported grant never lifts an opt-out.
 */
export async function importConsents(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: TImportConsentsOptions,
): Promise<TImportResult> {
  if ((o.grant === undefined) === (o.optOut === undefined)) {
    throw new AppError("validation_failed", { message: "import either grants or opt-outs", field: "grant" });
  }
  o.records.forEach((r, i) => {
    normalizeAddress(r.channel, r.address, `records[${i}].address`);
    if (r.effectiveAt && r.effectiveAt.getTime() > o.at.getTime()) {
      throw new AppError("validation_failed", {
        message: "a consent cannot be given in the future",
        field: `records[${i}].effectiveAt`,
      });
    }
  });
  await requireBrand(tx, o);
  if (o.grant?.campaignId) {
    const campaign = await getCampaign(tx, { workspaceId: o.workspaceId, campaignId: o.grant.campaignId });
    if (!campaign || campaign.brandId !== o.brandId)
      throw new AppError("not_found", {
        message: "campaign not found for this brand",
        field: "grant.campaignId",
      });
    if (campaign.category !== o.grant.category)
      throw new AppError("unprocessable", {
        message: `this campaign is ${campaign.category}`,
        field: "grant.category",
      });
    o.records.forEach((r, i) => {
      const outside = (o.grant?.channels ?? [r.channel]).filter((c) => !campaign.channels.includes(c));
      if (outside.length > 0) {
        throw new AppError("unprocessable", {
          message: `this campaign does not use ${outside.join(", ")}`,
          field: o.grant?.channels ? "grant.channels" : `records[${i}].channel`,
        });
      }
    });
  }
  const result: TImportResult = { imported: 0, contactsCreated: 0, skipped: [], alreadyOptedOut: 0 };
  for (const [index, r] of o.records.entries()) {
    const field = `records[${index}].address`;
    const contact = await resolveContactByAddress(tx, keys, {
      workspaceId: o.workspaceId,
      channel: r.channel,
      address: r.address,
      create: true,
      field,
      actor: o.actor,
      requestId: o.requestId,
    });
    if (!contact) continue;
    if (contact.created) result.contactsCreated += 1;
    if (o.optOut) {
      const out = await recordOptOut(tx, {
        workspaceId: o.workspaceId,
        brandId: o.brandId,
        contactId: contact.contactId,
        scope: o.optOut.scope,
        channel: r.channel,
        evidence: { method: "import" },
        source: o.optOut.source,
        actor: o.actor,
        at: o.at,
        ...(o.requestId ? { requestId: o.requestId } : {}),
      });
      if (out.alreadyOptedOut) result.alreadyOptedOut += 1;
      result.imported += 1;
      continue;
    }
    const g = o.grant;
    if (!g) continue;
    try {
      await recordConsent(tx, keys, {
        workspaceId: o.workspaceId,
        contactId: contact.contactId,
        brandId: o.brandId,
        campaignId: g.campaignId ?? null,
        category: g.category,
        channels: g.channels ?? [r.channel],
        basis: g.basis,
        implied: g.implied,
        expiresAt: g.expiresAt,
        effectiveAt: r.effectiveAt ?? o.at,
        evidence: {
          method: "import",
          source: g.source,
          wording: g.wording,
          wordingVersion: g.wordingVersion,
          ip: r.ip,
          userAgent: r.userAgent,
        },
        actor: o.actor,
        requestId: o.requestId,
        at: o.at,
      });
      result.imported += 1;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const reason = error.details?.reason;
      if (reason !== "minor" && reason !== "erased") throw error;
      result.skipped.push({ index, reason });
    }
  }
  return result;
}
