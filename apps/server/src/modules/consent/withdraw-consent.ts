import type { TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import type { TLedgerEntry } from "./consent.types.js";
import { findGrant } from "./find-grant.js";
import { lockConsentHead } from "./lock-consent-head.js";

/** Withdraw one grant (not retroactive). Withdrawing it again is a no-op (`withdrawal: null`). */
export async function withdrawConsent(
  tx: TTx,
  o: {
    workspaceId: string;
    grantId: string;
    method: "api" | "agent" | "keyword" | "button" | "natural_language";
    channel?: TContactChannel | undefined;
    messageId?: string | undefined;
    actor: TActor;
    requestId?: string | undefined;
    at?: Date | undefined;
  },
): Promise<{ withdrawal: TLedgerEntry | null }> {
  const at = o.at ?? new Date();
  const before = await findGrant(tx, o);
  const head = await lockConsentHead(tx, { workspaceId: o.workspaceId, contactId: before.contactId });
  const grant = await findGrant(tx, o);
  if (grant.status === "withdrawn") return { withdrawal: null };
  const [withdrawal] = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [
      {
        brandId: grant.brandId,
        kind: "withdraw",
        refId: grant.id,
        channel: o.channel ?? null,
        method: o.method,
        effectiveAt: at,
        evidence: o.messageId ? { messageId: o.messageId } : {},
      },
    ],
  });
  return { withdrawal: withdrawal ?? null };
}
