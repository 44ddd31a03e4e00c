import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { CONTACT_CHANGES_CHANNEL, contactChanges } from "./contact-changes.js";
import { canonicalLocale, isTimeZone } from "./contact-profile.js";
import { minorUntil } from "./minor-until.js";

export interface TContactChanges {
  displayName?: string | null | undefined;
  locale?: string | null | undefined;
  timeZone?: string | null | undefined;
  /** A minor may not be sent marketing (and may not be granted marketing consent). */
  minor?: boolean | undefined;
  /** YYYY-MM-DD, stored sealed; under 16 counts as a minor (no marketing) until the 16th birthday. */
  birthDate?: string | null | undefined;
  /** GDPR Art. 18 restriction of processing: a restricted contact gets nothing until it is lifted. */
  restricted?: boolean | undefined;
}

const invalid = (field: string, message: string) => new AppError("validation_failed", { message, field });

/**
 * Change a contact's profile; `null` clears a field, an absent key leaves it. Erased contacts refuse.
 * Writes `contact.updated` (the names of the fields changed) and, when the restriction changes,
 * `contact.restricted` or `contact.restriction_lifted`, in the caller's transaction.
 */
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
  const now = o.now ?? new Date();
  const locale = c.locale === undefined || c.locale === null ? c.locale : canonicalLocale(c.locale);
  if (locale === null && typeof c.locale === "string") throw invalid("locale", "not a BCP-47 locale");
  if (typeof c.timeZone === "string" && !isTimeZone(c.timeZone))
    throw invalid("timeZone", "not an IANA time zone");
  const until = typeof c.birthDate === "string" ? minorUntil(c.birthDate) : null;
  if (typeof c.birthDate === "string") {
    if (!until) throw invalid("birthDate", "not a date (YYYY-MM-DD)");
    if (Date.parse(`${c.birthDate}T00:00:00Z`) > now.getTime() || c.birthDate < "1900-01-01")
      throw invalid("birthDate", "must be a past date after 1900");
  }
  const found = await rows<{ erased_at: Date | null; restricted_at: Date | string | null }>(
    tx,
    sql`select erased_at, restricted_at from contacts where workspace_id = ${o.workspaceId} and id = ${o.contactId} for update`,
  );
  if (!found[0]) throw notFound("contact");
  if (found[0].erased_at !== null)
    throw new AppError("unprocessable", { message: "this contact was erased", field: "contactId" });
  const wasRestricted = found[0].restricted_at !== null;
  const name =
    c.displayName === undefined
      ? undefined
      : c.displayName === null || !c.displayName.trim()
        ? null
        : encryptField(keys, o.workspaceId, c.displayName.trim());
  const birth =
    c.birthDate === undefined
      ? undefined
      : c.birthDate === null
        ? null
        : encryptField(keys, o.workspaceId, c.birthDate);
  const changed = Object.entries(c)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (changed.length === 0) return;
  await tx.execute(sql`update contacts set
      display_name_sealed = case when ${name !== undefined} then ${name ?? null} else display_name_sealed end,
      locale = case when ${locale !== undefined} then ${locale ?? null} else locale end,
      time_zone = case when ${c.timeZone !== undefined} then ${c.timeZone ?? null} else time_zone end,
      minor = coalesce(${c.minor ?? null}::boolean, minor),
      birth_date_sealed = case when ${birth !== undefined} then ${birth ?? null} else birth_date_sealed end,
      minor_until = case when ${birth !== undefined} then ${until}::timestamptz else minor_until end,
      restricted_at = case when ${c.restricted === undefined} then restricted_at
        when ${c.restricted === true} then coalesce(restricted_at, ${now}::timestamptz) else null end,
      updated_at = ${now}
    where workspace_id = ${o.workspaceId} and id = ${o.contactId}`);
  const base = {
    workspaceId: o.workspaceId,
    actor: o.actor,
    targetType: "contact",
    targetId: o.contactId,
    requestId: o.requestId,
    at: now,
  };
  const events = [{ ...base, action: "contact.updated", details: { fields: changed.sort().join(",") } }];
  if (c.restricted !== undefined && c.restricted !== wasRestricted)
    events.push({
      ...base,
      action: c.restricted ? "contact.restricted" : "contact.restriction_lifted",
      details: { fields: "restricted" },
    });
  await recordAudit(tx, events);
  // Every process's decision cache drops the contact when this commits; this one at once.
  await tx.execute(sql`select pg_notify(${CONTACT_CHANGES_CHANNEL}, ${`${o.workspaceId} ${o.contactId}`})`);
  contactChanges.contactChanged(o.workspaceId, o.contactId);
}
