import { chainHash } from "../../core/audit.js";
import type { TLedgerEntry } from "./consent.types.js";

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** The canonical text of an entry that its hash covers (everything stored except the hashes themselves). */
export function ledgerCanonical(e: Omit<TLedgerEntry, "prevHash" | "hash">): string {
  const evidence = Object.fromEntries(
    Object.keys(e.evidence)
      .sort()
      .map((k) => [k, e.evidence[k]]),
  );
  return JSON.stringify([
    e.id,
    e.workspaceId,
    e.contactId,
    e.seq,
    e.brandId,
    e.kind,
    e.refId,
    e.campaignId,
    e.category,
    e.channels,
    e.basis,
    e.pending,
    e.scope,
    e.channel,
    e.method,
    e.source,
    e.wording,
    evidence,
    e.ipSealed,
    e.userAgentSealed,
    iso(e.effectiveAt),
    iso(e.expiresAt),
    iso(e.confirmBy),
    iso(e.recordedAt),
    e.actorType,
    e.actorId,
    e.requestId,
  ]);
}

/** sha256(prev ‖ canonical entry): each contact's ledger is one chain starting at the genesis hash. */
export function ledgerHash(prevHash: string, e: Omit<TLedgerEntry, "prevHash" | "hash">): string {
  return chainHash(prevHash, ledgerCanonical(e));
}
