import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { consentKeyRings } from "./consent-key-rings.js";
import { contactIdentityHashes } from "./contact-identity-hashes.js";
import { signalHashes } from "./signal-hashes.js";

/**
 * Keep the cross-brand signal in step with an opt-out (`optedOut: true`) or an opt-in (`false`) of this
 * contact from this brand, in the caller's transaction: one row per phone number of the contact, keyed by
 * hashes only. Writes no audit event and logs nothing (the signal must never say which brands). When the
 * process has no key ring registered, the signal is left alone rather than refusing the opt-out.
 */
export async function recordOptOutSignal(
  tx: TTx,
  o: { workspaceId: string; brandId: string; contactId: string; optedOut: boolean; at: Date },
): Promise<void> {
  const found = await consentKeyRings.inTx(tx, o.workspaceId);
  if (!found) return;
  const hashes =
    (
      await contactIdentityHashes(tx, found.keys, found.identityKey, {
        workspaceId: o.workspaceId,
        contactIds: [o.contactId],
      })
    ).get(o.contactId) ?? [];
  if (hashes.length === 0) return;
  const brand = signalHashes.brand(found.identityKey, o.workspaceId, o.brandId);
  const optedOutAt = o.optedOut ? o.at : null;
  await tx.execute(sql`insert into consent_identity_signals (identity_hash, brand_hash, opted_out_at, updated_at)
    select h, ${brand}, ${optedOutAt}::timestamptz, ${o.at}::timestamptz from unnest(${sql.param(hashes)}::text[]) as h
    on conflict (identity_hash, brand_hash) do update set opted_out_at = excluded.opted_out_at, updated_at = excluded.updated_at`);
}
