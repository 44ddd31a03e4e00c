import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { decryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { getContact, type TContactChannel } from "../contacts/index.js";
import { checkContactLedger } from "./check-contact-ledger.js";
import type { TLedgerEntry } from "./consent.types.js";
import { getConsentState } from "./get-consent-state.js";
import { ledgerColumns, type TLedgerRow, toLedgerEntry } from "./ledger-entry.js";

/** A ledger entry as shown in a proof: evidence decrypted, hashes kept for independent checking. */
export type TProofEntry = Omit<TLedgerEntry, "ipSealed" | "userAgentSealed"> & {
  ip: string | null;
  userAgent: string | null;
};

export interface TConsentProof {
  format: "assent.consent-proof/1";
  generatedAt: Date;
  workspaceId: string;
  brandId: string | null;
  contact: { id: string; identities: { channel: TContactChannel; address: string | null }[] };
  /** The whole chain of the contact is verified, even when the entries shown are one brand's. */
  chain: { verified: boolean; entries: number; headHash: string; problems: string[] };
  entries: TProofEntry[];
  state: Awaited<ReturnType<typeof getConsentState>>;
}

/**
 * Everything needed to demonstrate a contact's consent (GDPR 7(1), CASL s.13, TCPA evidence): who, every
 * grant, confirmation, withdrawal and opt-out with its evidence, the verified hash chain and the current
 * state. With `brandId`, only that brand's entries and state are shown (no brand sees another's consent).
 */
export async function exportConsentProof(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: { workspaceId: string; contactId: string; brandId?: string | undefined; at: Date },
): Promise<TConsentProof> {
  const contact = await getContact(tx, keys, o);
  if (!contact) throw notFound("contact");
  const all = (
    await rows<TLedgerRow>(
      tx,
      sql`select ${ledgerColumns} from consent_ledger where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId} order by seq`,
    )
  ).map(toLedgerEntry);
  const head = (
    await rows<{ seq: number | string; hash: string }>(
      tx,
      sql`select seq, hash from consent_heads where workspace_id = ${o.workspaceId} and contact_id = ${o.contactId}`,
    )
  )[0];
  const full = await getConsentState(tx, { workspaceId: o.workspaceId, contactId: o.contactId, at: o.at });
  const problems = checkContactLedger({
    entries: all,
    head: head ? { seq: Number(head.seq), hash: head.hash } : null,
    grants: full.grants,
    suppressions: full.suppressions,
  });
  const open = (v: string | null) => (v === null ? null : decryptField(keys, o.workspaceId, v));
  const shown = o.brandId ? all.filter((e) => e.brandId === o.brandId) : all;
  return {
    format: "assent.consent-proof/1",
    generatedAt: o.at,
    workspaceId: o.workspaceId,
    brandId: o.brandId ?? null,
    contact: {
      id: contact.id,
      identities: contact.identities.map((i) => ({ channel: i.channel, address: i.address })),
    },
    chain: {
      verified: problems.length === 0,
      entries: all.length,
      headHash: head?.hash ?? GENESIS_HASH,
      problems,
    },
    entries: shown.map(({ ipSealed, userAgentSealed, ...e }) => ({
      ...e,
      ip: open(ipSealed),
      userAgent: open(userAgentSealed),
    })),
    state: o.brandId ? await getConsentState(tx, { ...o, brandId: o.brandId }) : full,
  };
}
