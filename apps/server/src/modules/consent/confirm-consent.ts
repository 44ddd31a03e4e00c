import type { TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import type { TContactChannel } from "../contacts/index.js";
import { appendLedgerEntries } from "./append-ledger-entries.js";
import type { TLedgerEntry } from "./consent.types.js";
import { findGrant } from "./find-grant.js";
import { lockConsentHead } from "./lock-consent-head.js";

/**
 * Confirm one pending (double opt-in) grant, e.g. from a signed confirmation link (confirmLinkToken). Confirming an active grant
 * again is a no-op (`confirmation: null`); a withdrawn grant or a lapsed window is a 422.
 */
export async function confirmConsent(
  tx: TTx,
  o: {
    workspaceId: string;
    grantId: string;
    method: "link" | "keyword" | "button" | "api";
    channel?: TContactChannel | undefined;
    messageId?: string | undefined;
    /** Evidence of the click on a confirmation link, already sealed with the workspace key. */
    ipSealed?: string | null | undefined;
    userAgentSealed?: string | null | undefined;
    actor: TActor;
    requestId?: string | undefined;
    at?: Date | undefined;
  },
): Promise<{ confirmation: TLedgerEntry | null }> {
  const at = o.at ?? new Date();
  const before = await findGrant(tx, o);
  const head = await lockConsentHead(tx, { workspaceId: o.workspaceId, contactId: before.contactId });
  const grant = await findGrant(tx, o);
  if (grant.status === "active") return { confirmation: null };
  if (grant.status === "withdrawn")
    throw new AppError("unprocessable", { message: "this consent was withdrawn", field: "id" });
  if (grant.confirmBy && grant.confirmBy.getTime() <= at.getTime()) {
    throw new AppError("unprocessable", {
      message: "the confirmation window has passed; ask for consent again",
      field: "id",
    });
  }
  const [confirmation] = await appendLedgerEntries(tx, head, {
    at,
    actor: o.actor,
    requestId: o.requestId,
    entries: [
      {
        brandId: grant.brandId,
        kind: "confirm",
        refId: grant.id,
        channel: o.channel ?? null,
        method: o.method,
        effectiveAt: at,
        evidence: o.messageId ? { messageId: o.messageId } : {},
        ipSealed: o.ipSealed ?? null,
        userAgentSealed: o.userAgentSealed ?? null,
      },
    ],
  });
  return { confirmation: confirmation ?? null };
}
