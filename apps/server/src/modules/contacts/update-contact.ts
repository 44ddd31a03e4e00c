import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { canonicalLocale, isTimeZone } from "./contact-profile.js";

export interface TContactChanges {
  displayName?: string | null | undefined;
  locale?: string | null | undefined;
  timeZone?: string | null | undefined;
  /** A minor may not be sent marketing (and may not be granted marketing consent). */
  minor?: boolean | undefined;
}

/** Change a contact's profile; `null` clears a field, an absent key leaves it. Erased contacts refuse. */
export async function updateContact(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: {
    workspaceId: string;
    contactId: string;
    changes: TContactChanges;
    actor: TActor;
    requestId?: string | undefined;
    now?: Date;
  },
): Promise<void> {
  const c = o.changes;
  const locale = c.locale === undefined || c.locale === null ? c.locale : canonicalLocale(c.locale);
  if (locale === null && typeof c.locale === "string")
    throw new AppError("validation_failed", { message: "not a BCP-47 locale", field: "locale" });
  if (typeof c.timeZone === "string" && !isTimeZone(c.timeZone)) {
    throw new AppError("validation_failed", { message: "not an IANA time zone", field: "timeZone" });
  }
  const found = await rows<{ erased_at: Date | null }>(
    tx,
    sql`select erased_at from contacts where workspace_id = ${o.workspaceId} and id = ${o.contactId} for update`,
  );
  if (!found[0]) throw notFound("contact");
  if (found[0].erased_at !== null)
    throw new AppError("unprocessable", { message: "this contact was erased", field: "contactId" });
  const name =
    c.displayName === undefined
      ? undefined
      : c.displayName === null || !c.displayName.trim()
        ? null
        : encryptField(keys, o.workspaceId, c.displayName.trim());
  const changed = Object.entries(c)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (changed.length === 0) return;
  await tx.execute(sql`update contacts set
      display_name_sealed = case when ${name !== undefined} then ${name ?? null} else display_name_sealed end,
      locale = case when ${locale !== undefined} then ${locale ?? null} else locale end,
      time_zone = case when ${c.timeZone !== undefined} then ${c.timeZone ?? null} else time_zone end,
      minor = coalesce(${c.minor ?? null}::boolean, minor),
      updated_at = ${o.now ?? new Date()}
    where workspace_id = ${o.workspaceId} and id = ${o.contactId}`);
  await recordAudit(tx, {
    workspaceId: o.workspaceId,
    actor: o.actor,
    action: "contact.updated",
    targetType: "contact",
    targetId: o.contactId,
    requestId: o.requestId,
    details: { fields: changed.sort().join(",") },
  });
}
