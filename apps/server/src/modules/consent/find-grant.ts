import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import type { TContactChannel } from "../contacts/index.js";
import type { TGrantState } from "./consent.types.js";
import { toDate, toMaybeDate } from "./ledger-entry.js";

export interface TGrantRow {
  id: string;
  contact_id: string;
  brand_id: string;
  campaign_id: string | null;
  category: string;
  channels: string[];
  basis: string;
  status: string;
  effective_at: Date | string;
  expires_at: Date | string | null;
  confirm_by: Date | string | null;
  confirmed_entry_id: string | null;
  withdrawn_entry_id: string | null;
  excluded: string[] | null;
}

export const grantColumns =
  sql.raw(`id, contact_id, brand_id, campaign_id, category, channels, basis, status, effective_at, expires_at,
  confirm_by, confirmed_entry_id, withdrawn_entry_id, excluded`);

export function toGrant(r: TGrantRow): TGrantState & { contactId: string } {
  return {
    id: r.id,
    contactId: r.contact_id,
    brandId: r.brand_id,
    campaignId: r.campaign_id,
    category: r.category as TGrantState["category"],
    channels: r.channels as TContactChannel[],
    basis: r.basis as TGrantState["basis"],
    status: r.status as TGrantState["status"],
    effectiveAt: toDate(r.effective_at),
    expiresAt: toMaybeDate(r.expires_at),
    confirmBy: toMaybeDate(r.confirm_by),
    confirmedEntryId: r.confirmed_entry_id,
    withdrawnEntryId: r.withdrawn_entry_id,
    ...(r.excluded && r.excluded.length > 0 ? { exclusions: r.excluded } : {}),
  };
}

/** A grant of this workspace by its ledger entry id, or a 404 naming `field`. */
export async function findGrant(
  tx: TTx,
  o: { workspaceId: string; grantId: string; field?: string },
): Promise<TGrantState & { contactId: string }> {
  const found = await rows<TGrantRow>(
    tx,
    sql`select ${grantColumns} from consent_grants where workspace_id = ${o.workspaceId} and id = ${o.grantId}`,
  );
  const row = found[0];
  if (!row) throw new AppError("not_found", { message: "consent not found", field: o.field ?? "id" });
  return toGrant(row);
}
