import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import {
  addContactIdentity,
  findContactsByIdentity,
  findLinkedContacts,
  linkContacts,
} from "../contacts/index.js";
import { carryOptOuts } from "./carry-opt-outs.js";
import type { TInboundContext } from "./inbound.types.js";
import { lockWhatsAppNames, type TWhatsAppName } from "./lock-whatsapp-names.js";

/**
 * Meta has named one person by a WhatsApp number and a business-scoped user id (BSUID) at once: an
 * inbound message (`from` + `from_user_id`), a status (`recipient_id` + `recipient_user_id`), a
 * `user_preferences` change (`wa_id` + `user_id`), or a `contacts[]` entry completing one of them. The
 * contacts behind the two names become one person to consent:
 * - neither name is a contact's: nothing (a status or a preference creates no contact for the pair);
 * - one is: the other becomes another WhatsApp address of that contact (the number's contact keeps the
 *   BSUID, a BSUID contact keeps the number), so later events under either name find it;
 * - each is another contact's (one made from a BSUID-only message, or any contact holding the BSUID,
 *   whatever else it holds): nothing moves or merges, every opt-out either holds, from any brand of the
 *   workspace, is carried to the other with the queued messages it forbids (carryOptOuts), and the two
 *   are stored as linked (contacts' linkContacts, idempotent), so every opt-out recorded later on either,
 *   by any path, reaches the other in its own transaction (consent's recordOptOut). A pair linked already
 *   (directly or through another contact) reads once and writes nothing. The pair is answered (number's
 *   contact first).
 * Read first without locking (the common case, both names on one contact, writes nothing); to write,
 * both address locks are taken together (lockWhatsAppNames) and the contacts read again. A pair that is
 * not a number and a BSUID, or an address the contacts module refuses, links nothing and fails nothing.
 */
export async function linkWhatsAppNames(
  tx: TTx,
  c: TInboundContext,
  o: { phone: string; userId: string },
): Promise<readonly [string, string] | undefined> {
  const names = await lockWhatsAppNames(tx, c, { ...o, lock: false });
  if (!names) return undefined;
  const owners = async () => {
    const found = await findContactsByIdentity(tx, {
      workspaceId: c.account.workspaceId,
      items: [names.phone, names.user].map((n) => ({ channel: "whatsapp", kind: n.kind, index: n.index })),
    });
    return {
      byPhone: found.get(`whatsapp:${names.phone.index}`),
      byUser: found.get(`whatsapp:${names.user.index}`),
    };
  };
  // One contact holds both names, or neither is known: nothing to write (and nothing locked).
  const seen = await owners();
  if (seen.byPhone === seen.byUser) return undefined;
  // Two contacts linked already (every later event naming both): opt-outs were carried when recorded.
  if (
    seen.byPhone !== undefined &&
    seen.byUser !== undefined &&
    (await linked(tx, c, seen.byPhone, seen.byUser))
  )
    return [seen.byPhone, seen.byUser];
  await lockWhatsAppNames(tx, c, { ...o, lock: true });
  const { byPhone, byUser } = await owners();
  if (byPhone === byUser) return undefined;
  if (byPhone !== undefined && byUser !== undefined) {
    // What each holds already goes to the other (and to the contacts linked to it) first; the stored link
    // then makes every later opt-out of either reach the other as it is recorded (recordOptOut).
    await carryOptOuts(tx, {
      workspaceId: c.account.workspaceId,
      contactIds: [byPhone, byUser],
      channel: "whatsapp",
      at: c.clock(),
      requestId: c.requestId,
    });
    await linkContacts(tx, {
      workspaceId: c.account.workspaceId,
      contactIds: [byPhone, byUser],
      reason: "whatsapp_user_id",
      actor: c.actor,
      requestId: c.requestId,
      at: c.clock(),
    });
    return [byPhone, byUser];
  }
  if (byPhone !== undefined) await keep(tx, c, byPhone, names.user);
  else if (byUser !== undefined) await keep(tx, c, byUser, names.phone);
  return undefined;
}

/** Whether the two contacts are linked already, directly or through others (read without locking). */
async function linked(tx: TTx, c: TInboundContext, a: string, b: string): Promise<boolean> {
  const group = await findLinkedContacts(tx, { workspaceId: c.account.workspaceId, contactIds: [a] });
  return group.includes(b);
}

/** The other name as another WhatsApp address of the contact holding one. */
async function keep(tx: TTx, c: TInboundContext, contactId: string, name: TWhatsAppName): Promise<void> {
  try {
    await addContactIdentity(tx, c.keys, {
      workspaceId: c.account.workspaceId,
      contactId,
      channel: "whatsapp",
      address: name.address,
      actor: c.actor,
      requestId: c.requestId,
      now: c.clock(),
    });
  } catch (error) {
    // An address the contacts module will not add (an erased contact, a number it refuses): no link.
    if (!(error instanceof AppError)) throw error;
  }
}
