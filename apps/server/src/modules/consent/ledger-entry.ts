import { sql } from "drizzle-orm";
import type { TContactChannel } from "../contacts/index.js";
import type {
  TBasis,
  TCategory,
  TEvidenceDetails,
  TLedgerEntry,
  TLedgerKind,
  TOptOutScope,
} from "./consent.types.js";

/** The columns of a ledger row, in the order `toLedgerEntry` reads them. */
export const ledgerColumns =
  sql.raw(`id, workspace_id, contact_id, seq, brand_id, kind, ref_id, campaign_id, category, channels, basis,
  pending, scope, channel, method, source, wording, evidence, ip_sealed, user_agent_sealed, effective_at, expires_at, confirm_by,
  recorded_at, actor_type, actor_id, request_id, prev_hash, hash`);

export interface TLedgerRow {
  id: string;
  workspace_id: string;
  contact_id: string;
  seq: number | string;
  brand_id: string;
  kind: string;
  ref_id: string | null;
  campaign_id: string | null;
  category: string | null;
  channels: string[] | null;
  basis: string | null;
  pending: boolean | null;
  scope: string | null;
  channel: string | null;
  method: string;
  source: string | null;
  wording: string | null;
  evidence: unknown;
  ip_sealed: string | null;
  user_agent_sealed: string | null;
  effective_at: Date | string;
  expires_at: Date | string | null;
  confirm_by: Date | string | null;
  recorded_at: Date | string;
  actor_type: string;
  actor_id: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

export const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
export const toMaybeDate = (v: Date | string | null | undefined): Date | null =>
  v === null || v === undefined ? null : toDate(v);

function evidenceOf(v: unknown): TEvidenceDetails {
  const parsed: unknown = typeof v === "string" ? JSON.parse(v) : v;
  const out: TEvidenceDetails = {};
  if (parsed && typeof parsed === "object") {
    for (const [k, value] of Object.entries(parsed)) {
      if (
        value === null ||
        typeof value === "string" ||
        typeof value === "number" ||
        typeof value === "boolean"
      )
        out[k] = value;
    }
  }
  return out;
}

/** A stored ledger row as an entry. The database's check constraints guarantee the enumerated values. */
export function toLedgerEntry(r: TLedgerRow): TLedgerEntry {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    contactId: r.contact_id,
    seq: Number(r.seq),
    brandId: r.brand_id,
    kind: r.kind as TLedgerKind,
    refId: r.ref_id,
    campaignId: r.campaign_id,
    category: r.category as TCategory | null,
    channels: r.channels as TContactChannel[] | null,
    basis: r.basis as TBasis | null,
    pending: r.pending,
    scope: r.scope as TOptOutScope | null,
    channel: r.channel as TContactChannel | null,
    method: r.method,
    source: r.source,
    wording: r.wording,
    evidence: evidenceOf(r.evidence),
    ipSealed: r.ip_sealed,
    userAgentSealed: r.user_agent_sealed,
    effectiveAt: toDate(r.effective_at),
    expiresAt: toMaybeDate(r.expires_at),
    confirmBy: toMaybeDate(r.confirm_by),
    recordedAt: toDate(r.recorded_at),
    actorType: r.actor_type,
    actorId: r.actor_id,
    requestId: r.request_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
