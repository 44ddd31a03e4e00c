import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";

const YEAR_MS = 365 * 86_400_000;

/**
 * For each group of identity hashes (one person's numbers), how many distinct brands they opted out of
 * in the 12 months before `at`, in input order. One statement for all groups.
 */
export async function readOptOutPropensities(
  tx: TTx,
  o: { groups: readonly (readonly string[])[]; at: Date },
): Promise<number[]> {
  const all = [...new Set(o.groups.flat())];
  if (all.length === 0) return o.groups.map(() => 0);
  const found = await rows<{ identity_hash: string; brand_hash: string }>(
    tx,
    sql`select identity_hash, brand_hash from consent_identity_signals
      where identity_hash = any(${sql.param(all)}::text[]) and opted_out_at > ${new Date(o.at.getTime() - YEAR_MS)}`,
  );
  const brandsOf = new Map<string, string[]>();
  for (const r of found)
    brandsOf.set(r.identity_hash, [...(brandsOf.get(r.identity_hash) ?? []), r.brand_hash]);
  return o.groups.map((g) => new Set(g.flatMap((h) => brandsOf.get(h) ?? [])).size);
}
