import { z } from "zod";
import { isTimeZone, timeZoneList } from "../contacts/index.js";

/** A daily sending window in minutes after local midnight; `end` before `start` wraps past midnight. */
export interface TSendingWindow {
  start: number;
  end: number;
}

/** A brand's own sending window (`brands.settings.quietHours`), applied on top of the legal ones. */
export interface TBrandQuietHours extends TSendingWindow {
  /** Used for recipients whose zone is unknown and not inferable from their number. */
  timeZone: string | null;
}

/** Where a recipient is, as far as the contact tells. */
export interface TRecipientPlace {
  /** Set on the contact: always wins. */
  timeZone: string | null;
  /**
   * Inferred from the number (NANP area code, else the country's zone): one zone, or every zone the area
   * code spans separated by spaces (Florida's 850: Central and Eastern), each of which must be inside
   * the window.
   */
  phoneTimeZone?: string | null;
  country: string | null;
  region: string | null;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minutesOf = (v: string): number => {
  const m = HHMM.exec(v);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
};

/** `{"start":"09:00","end":"20:00","timeZone":"Europe/Paris"}` in brand settings: the brand's sending window. */
export const ZBrandQuietHours = z
  .object({
    start: z.string().regex(HHMM),
    end: z.string().regex(HHMM),
    timeZone: z.string().refine(isTimeZone).optional(),
  })
  .transform(
    (v): TBrandQuietHours => ({
      start: minutesOf(v.start),
      end: minutesOf(v.end),
      timeZone: v.timeZone ?? null,
    }),
  );

/** TCPA: solicitations 08:00–21:00 recipient local time (47 CFR 64.1200(c)(1)). */
const US_WINDOW: TSendingWindow = { start: 8 * 60, end: 21 * 60 };
/** Florida, Maryland, Oklahoma: 08:00–20:00 (Fla. Stat. 501.616(6); MD SSCA; 15 O.S. 775C.4). */
const US_STATE_WINDOW: TSendingWindow = { start: 8 * 60, end: 20 * 60 };
/** Where the recipient's number says nothing more precise: every US zone must be inside the window. */
const US_ZONES = [
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Phoenix",
  "America/Los_Angeles",
  "America/Anchorage",
  "Pacific/Honolulu",
];
/** The states with the stricter window, and the zones a number of theirs may be in when nothing else tells. */
const STATE_WINDOW_ZONES: Record<string, readonly string[]> = {
  "US-FL": ["America/New_York", "America/Chicago"],
  "US-MD": ["America/New_York"],
  // Kenton, in the panhandle, keeps Mountain time (contacts/nanp-area-codes.ts).
  "US-OK": ["America/Chicago", "America/Denver"],
};

interface TConstraint extends TSendingWindow {
  zones: readonly string[];
}

/**
 * UTC offsets in minutes per zone and 15-minute UTC slot: zone offsets are multiples of 15 minutes and
 * change only on such instants, so one Intl lookup serves a whole slot (Intl formatting costs micro-
 * seconds, and a US number of unknown zone needs seven per decision).
 */
const offsetSlots = new Map<string, Map<number, number>>();
const formatters = new Map<string, Intl.DateTimeFormat>();
const SLOT_MS = 900_000;

function offsetMinutes(zone: string, slot: number): number {
  let slots = offsetSlots.get(zone);
  if (!slots) {
    slots = new Map();
    offsetSlots.set(zone, slots);
  }
  const known = slots.get(slot);
  if (known !== undefined) return known;
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  const t = slot * SLOT_MS;
  for (const part of f.formatToParts(new Date(t))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0);
  const offset = Math.round((wall - t) / 60_000);
  if (slots.size >= 4096) slots.clear();
  slots.set(slot, offset);
  return offset;
}

/** The recipient's clock in `zone` at `ms` (UTC milliseconds), in minutes after local midnight. */
function localMinutesAt(ms: number, zone: string): number {
  const minutes = Math.floor(ms / 60_000) + offsetMinutes(zone, Math.floor(ms / SLOT_MS));
  return ((minutes % 1440) + 1440) % 1440;
}
const localMinutes = (at: Date, zone: string): number => localMinutesAt(at.getTime(), zone);

const inside = (w: TSendingWindow, m: number): boolean =>
  w.start <= w.end ? m >= w.start && m < w.end : m >= w.start || m < w.end;
function allowedAt(ms: number, cs: TConstraint[]): boolean {
  for (const c of cs) for (const z of c.zones) if (!inside(c, localMinutesAt(ms, z))) return false;
  return true;
}

// US territories (PR, VI, GU, MP, AS) have their own country code but federal law (TCPA) applies there.
const isUs = (place: TRecipientPlace): boolean =>
  place.country === "US" || (place.region?.startsWith("US-") ?? false);
const strictZones = (place: TRecipientPlace): readonly string[] | undefined =>
  place.region ? STATE_WINDOW_ZONES[place.region] : undefined;
/** The number's zones when it names several (an area code spanning zones), else null. */
const phoneZoneList = (place: TRecipientPlace): readonly string[] | null =>
  !place.timeZone && place.phoneTimeZone?.includes(" ") ? timeZoneList(place.phoneTimeZone) : null;
/** The one zone the recipient is known to be in: its own, or its number's when that names only one. */
const knownZone = (place: TRecipientPlace): string | null =>
  place.timeZone ?? (place.phoneTimeZone && !place.phoneTimeZone.includes(" ") ? place.phoneTimeZone : null);

function constraintsFor(place: TRecipientPlace, brand: TBrandQuietHours | null): TConstraint[] {
  const us = isUs(place);
  const strict = strictZones(place);
  const known = knownZone(place);
  // When the number does not locate the recipient, every zone it could be in must be inside the window.
  const zones = known ? [known] : (phoneZoneList(place) ?? (us ? (strict ?? US_ZONES) : null));
  const out: TConstraint[] = [];
  if (us && zones) out.push({ ...(strict ? US_STATE_WINDOW : US_WINDOW), zones });
  const brandZones = zones ?? (brand?.timeZone ? [brand.timeZone] : null);
  if (brand && brandZones && brand.start !== brand.end)
    out.push({ start: brand.start, end: brand.end, zones: brandZones });
  return out;
}

/** constraintsFor + allowedAt without building anything: the path almost every decision takes. */
function allowedNow(at: Date, place: TRecipientPlace, brand: TBrandQuietHours | null): boolean {
  const us = isUs(place);
  const known = knownZone(place);
  const strict = us ? strictZones(place) : undefined;
  const window = strict ? US_STATE_WINDOW : US_WINDOW;
  const brandWindow = brand && brand.start !== brand.end ? brand : null;
  if (!us && !brandWindow) return true;
  if (known) {
    const m = localMinutes(at, known);
    return (!us || inside(window, m)) && (!brandWindow || inside(brandWindow, m));
  }
  // Every zone the number could be in: its area code's, else the state's, else every US zone.
  const zones = phoneZoneList(place) ?? (us ? (strict ?? US_ZONES) : null);
  if (zones) {
    for (const z of zones) {
      const m = localMinutes(at, z);
      if ((us && !inside(window, m)) || (brandWindow && !inside(brandWindow, m))) return false;
    }
    return true;
  }
  return !brandWindow?.timeZone || inside(brandWindow, localMinutes(at, brandWindow.timeZone));
}

/** Minutes from local clock `m` until it next reads `start` (0 when it reads it now), clocks not changing. */
const minutesUntil = (start: number, m: number): number => (((start - m) % 1440) + 1440) % 1440;

/** Whether every zone has the same UTC offset at both instants (no daylight-saving change between them). */
function sameOffsets(a: number, b: number, cs: TConstraint[]): boolean {
  const sa = Math.floor(a / SLOT_MS);
  const sb = Math.floor(b / SLOT_MS);
  for (const c of cs)
    for (const z of c.zones) if (offsetMinutes(z, sa) !== offsetMinutes(z, sb)) return false;
  return true;
}

/** How far ahead the windows are looked for before concluding that they never meet. */
const HORIZON_MS = 8 * 86_400_000;

/**
 * The first minute after `atMs` at which every constraint holds in every zone, or null within 8 days.
 * A send becomes allowed only when some zone's clock reaches a window's start, or when a zone's offset
 * changes (a clock jumping into a window). When no offset changes before it, the earliest allowed time at
 * which a clock reaches a start is the answer; otherwise the 15-minute slots are walked: offsets change
 * only on slot boundaries, so inside a slot only its first minute and the minutes a clock reaches a start
 * can open the window. Nothing here allocates.
 */
function nextOpening(atMs: number, cs: TConstraint[]): number | null {
  const minute = Math.floor(atMs / 60_000) * 60_000;
  let best = Number.POSITIVE_INFINITY;
  for (const c of cs) {
    for (const z of c.zones) {
      const t = minute + minutesUntil(c.start, localMinutesAt(atMs, z)) * 60_000;
      if (t > atMs && t < best && allowedAt(t, cs)) best = t;
    }
  }
  if (best !== Number.POSITIVE_INFINITY && sameOffsets(atMs, best, cs)) return best;
  const end = Math.min(best, atMs + HORIZON_MS);
  for (let slot = Math.floor(atMs / SLOT_MS) * SLOT_MS; slot <= end; slot += SLOT_MS) {
    // Bit k: minute k of the slot may open the window (bit 0: an offset may have changed at its start).
    let marks = 1;
    for (const c of cs) {
      for (const z of c.zones) {
        const k = minutesUntil(c.start, localMinutesAt(slot, z));
        if (k < SLOT_MS / 60_000) marks |= 1 << k;
      }
    }
    for (let k = 0; marks >>> k !== 0; k++) {
      const t = slot + k * 60_000;
      if ((marks >>> k) & 1 && t > atMs && allowedAt(t, cs)) return t;
    }
  }
  return best === Number.POSITIVE_INFINITY ? null : best;
}

/**
 * Whether a marketing send at `at` falls inside the recipient's sending windows (the legal US windows and
 * the brand's own), and if not, the first minute it would (`notBefore`, daylight-saving changes included;
 * absent when the windows do not meet within 8 days).
 */
export function checkQuietHours(
  at: Date,
  place: TRecipientPlace,
  brand: TBrandQuietHours | null,
): { allowed: true } | { allowed: false; notBefore?: Date } {
  if (allowedNow(at, place, brand)) return { allowed: true };
  const cs = constraintsFor(place, brand);
  const ms = at.getTime();
  if (cs.length === 0 || allowedAt(ms, cs)) return { allowed: true };
  const opening = nextOpening(ms, cs);
  return opening === null ? { allowed: false } : { allowed: false, notBefore: new Date(opening) };
}
