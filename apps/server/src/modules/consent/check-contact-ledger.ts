import { GENESIS_HASH } from "../../core/audit.js";
import type { TGrantState, TLedgerEntry, TSuppressionState } from "./consent.types.js";
import { foldLedger } from "./fold-ledger.js";
import { ledgerHash } from "./ledger-hash.js";

const stamp = (d: Date | null) => (d === null ? null : d.getTime());
const grantKey = (g: TGrantState) =>
  JSON.stringify([
    g.id,
    g.brandId,
    g.campaignId,
    g.category,
    [...g.channels].sort(),
    g.basis,
    g.status,
    stamp(g.effectiveAt),
    stamp(g.expiresAt),
    stamp(g.confirmBy),
    g.confirmedEntryId,
    g.withdrawnEntryId,
    g.exclusions ?? [],
  ]);
const suppressionKey = (s: TSuppressionState) =>
  JSON.stringify([s.brandId, s.optOutAllEntryId, s.optOutMarketingEntryId]);

/**
 * Every problem with one contact's ledger: a broken sequence or hash chain, a head out of step, or a
 * projection that differs from the fold of the ledger. An empty list means the contact checks out.
 */
export function checkContactLedger(o: {
  entries: readonly TLedgerEntry[];
  head: { seq: number; hash: string } | null;
  grants: readonly TGrantState[];
  suppressions: readonly TSuppressionState[];
}): string[] {
  const problems: string[] = [];
  let prev = GENESIS_HASH;
  o.entries.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`entry ${e.id}: sequence ${e.seq}, expected ${i + 1}`);
    if (e.prevHash !== prev) problems.push(`entry ${e.id}: prev_hash does not continue the chain`);
    const { prevHash: _p, hash: _h, ...body } = e;
    if (ledgerHash(e.prevHash, body) !== e.hash)
      problems.push(`entry ${e.id}: hash does not match its content`);
    prev = e.hash;
  });
  const headSeq = o.head?.seq ?? 0;
  const headHash = o.head?.hash ?? GENESIS_HASH;
  if (headSeq !== o.entries.length || headHash !== prev) problems.push("head is out of step with the ledger");
  const folded = foldLedger(o.entries);
  const want = new Set([...folded.grants.values()].map(grantKey));
  const have = new Set(o.grants.map(grantKey));
  for (const g of want) if (!have.has(g)) problems.push(`projection lacks grant ${g}`);
  for (const g of have) if (!want.has(g)) problems.push(`projection has grant not in the ledger fold ${g}`);
  const active = (s: TSuppressionState) => s.optOutAllEntryId !== null || s.optOutMarketingEntryId !== null;
  const wantS = new Set([...folded.suppressions.values()].filter(active).map(suppressionKey));
  const haveS = new Set(o.suppressions.filter(active).map(suppressionKey));
  for (const s of wantS) if (!haveS.has(s)) problems.push(`projection lacks opt-out ${s}`);
  for (const s of haveS)
    if (!wantS.has(s)) problems.push(`projection has opt-out not in the ledger fold ${s}`);
  return problems;
}
