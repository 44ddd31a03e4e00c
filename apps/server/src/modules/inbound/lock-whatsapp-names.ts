import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { blindIndex } from "../../core/keyring.js";
import { lockAddresses, normalizeAddress, type TIdentityKind } from "../contacts/index.js";
import type { TInboundContext } from "./inbound.types.js";

export interface TWhatsAppName {
  kind: TIdentityKind;
  /** The canonical address (E.164 for the number). */
  address: string;
  index: string;
}

/**
 * A WhatsApp number and a business-scoped user id (BSUID) that Meta names as one person, normalised
 * (`undefined` when the one is not a number or the other not a BSUID: such a pair links nothing), and
 * with `lock`, both address locks taken together, in the one order every writer of several addresses
 * takes them (lockAddresses): never the number's and then the user id's one by one, which could deadlock
 * with a new contact, an import or another event naming both. Take them before anything else the
 * transaction locks on the way to a contact (the contact row, consent heads, queued messages).
 */
export async function lockWhatsAppNames(
  tx: TTx,
  c: Pick<TInboundContext, "account" | "keys">,
  o: { phone: string; userId: string; lock: boolean },
): Promise<{ phone: TWhatsAppName; user: TWhatsAppName } | undefined> {
  let phone: TWhatsAppName;
  let user: TWhatsAppName;
  try {
    const p = normalizeAddress("whatsapp", o.phone, "recipient");
    const u = normalizeAddress("whatsapp", o.userId, "user_id");
    if (p.kind !== "phone" || u.kind !== "wa_bsuid") return undefined;
    phone = { kind: p.kind, address: p.address, index: blindIndex(c.keys, p.kind, p.address) };
    user = { kind: u.kind, address: u.address, index: blindIndex(c.keys, u.kind, u.address) };
  } catch (error) {
    // Not a pair we can keep (malformed): the event is handled all the same, without linking.
    if (error instanceof AppError) return undefined;
    throw error;
  }
  if (o.lock) await lockAddresses(tx, { workspaceId: c.account.workspaceId, addresses: [phone, user] });
  return { phone, user };
}
