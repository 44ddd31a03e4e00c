import { hash } from "node:crypto";
import { sql } from "drizzle-orm";
import { GENESIS_HASH } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { decryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { getContact, type TContactChannel } from "../contacts/index.js";
import { checkContactLedger } from "./check-contact-ledger.js";
import type { TLedgerEntry } from "./consent.types.js";
import { getConsentState } from "./get-consent-state.js";
import { ledgerColumns, type TLedgerRow, toLedgerEntry } from "./ledger-entry.js";
import { ledgerCanonical } from "./ledger-hash.js";
import type { TMessageDecision } from "./read-message-decision.js";

/** A ledger entry as shown in a proof: evidence decrypted (or left out), hashes kept for independent checking. */
export type TProofEntry = Omit<TLedgerEntry, "ipSealed" | "userAgentSealed"> & {
  ip: string | null;
  userAgent: string | null;
  /** sha256 of the exact wording shown (UTF-8, hex): the version hash of the text. */
  wordingSha256: string | null;
  /** The text the entry's hash covers: hash = sha256(prevHash ‖ canonical). */
  canonical: string;
};

export interface TConsentProof {
  format: "assent.consent-proof/1";
  generatedAt: Date;
  workspaceId: string;
  workspace: { id: string; name: string | null };
  brandId: string | null;
  /** Names of the brands the entries shown belong to (this workspace's only). */
  brands: { id: string; name: string }[];
  /** Identities appear only when asked for (includeIdentifiers); otherwise the contact is its id alone. */
  contact: { id: string; identities: { channel: TContactChannel; address: string | null }[] };
  identifiersIncluded: boolean;
  /** The whole chain of the contact is verified, even when the entries shown are one brand's. */
  chain: { verified: boolean; entries: number; headHash: string; problems: string[] };
  entries: TProofEntry[];
  state: Awaited<ReturnType<typeof getConsentState>>;
  /** The decision recorded with one message, when the proof is about a message. */
  message: TMessageDecision | null;
}

const sha256 = (v: string) => hash("sha256", v, "hex");

/**
 * Everything needed to demonstrate a contact's consent (GDPR 7(1), CASL s.13, TCPA evidence): every grant,
 * confirmation, withdrawal and opt-out with its evidence, the verified hash chain and the current state;
 * and, for a message, the decision recorded with it. With `brandId`, only that brand's entries and state
 * are shown (no brand sees another's consent). Addresses, IP and user agent appear only with
 * `identifiers: true` (the caller checks the permission).
 */
export async function exportConsentProof(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: {
    workspaceId: string;
    contactId: string;
    brandId?: string | undefined;
    at: Date;
    identifiers?: boolean | undefined;
    message?: TMessageDecision | null | undefined;
  },
): Promise<TConsentProof> {
  // One brand's proof shows that brand's decisions only (the route reads the message with the brand).
  if (o.message && o.brandId && o.message.brandId !== o.brandId)
    throw new AppError("not_found", {
      message: "no such message for this contact and brand",
      field: "messageId",
    });
  const identifiers = o.identifiers ?? true;
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
  const open = (v: string | null) =>
    v === null || !identifiers ? null : decryptField(keys, o.workspaceId, v);
  const shown = o.brandId ? all.filter((e) => e.brandId === o.brandId) : all;
  const names = await rows<{ kind: string; id: string; name: string }>(
    tx,
    sql`select 'workspace' as kind, id, name from workspaces where id = ${o.workspaceId}
      union all select 'brand', id, name from brands where workspace_id = ${o.workspaceId}
        and id = any(${sql.param([...new Set(shown.map((e) => e.brandId))])}::text[])`,
  );
  return {
    format: "assent.consent-proof/1",
    generatedAt: o.at,
    workspaceId: o.workspaceId,
    workspace: { id: o.workspaceId, name: names.find((n) => n.kind === "workspace")?.name ?? null },
    brandId: o.brandId ?? null,
    brands: names.filter((n) => n.kind === "brand").map((n) => ({ id: n.id, name: n.name })),
    contact: {
      id: contact.id,
      identities: identifiers
        ? contact.identities.map((i) => ({ channel: i.channel, address: i.address }))
        : [],
    },
    identifiersIncluded: identifiers,
    chain: {
      verified: problems.length === 0,
      entries: all.length,
      headHash: head?.hash ?? GENESIS_HASH,
      problems,
    },
    entries: shown.map((e) => {
      const { ipSealed, userAgentSealed, prevHash: _p, hash: _h, ...body } = e;
      const { ipSealed: _i, userAgentSealed: _u, ...rest } = e;
      return {
        ...rest,
        ip: open(ipSealed),
        userAgent: open(userAgentSealed),
        wordingSha256: e.wording === null ? null : sha256(e.wording),
        canonical: ledgerCanonical({ ...body, ipSealed, userAgentSealed }),
      };
    }),
    state: o.brandId ? await getConsentState(tx, { ...o, brandId: o.brandId }) : full,
    message: o.message ?? null,
  };
}
