import { z } from "zod";
import { isTimeZone } from "../contacts/index.js";

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
  timeZone: string | null;
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
const US_ZONES = [
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Phoenix",
  "America/Los_Angeles",
  "America/Anchorage",
  "Pacific/Honolulu",
];
const REGION_ZONES: Record<string, string[]> = {
  "US-FL": ["America/New_York", "America/Chicago"],
  "US-MD": ["America/New_York"],
  "US-OK": ["America/Chicago"],
};

interface TConstraint extends TSendingWindow {
  zones: string[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localMinutes(at: Date, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(zone, f);
  }
  let h = 0;
  let m = 0;
  for (const p of f.formatToParts(at)) {
    if (p.type === "hour") h = Number(p.value) % 24;
    else if (p.type === "minute") m = Number(p.value);
  }
  return h * 60 + m;
}

const inside = (w: TSendingWindow, m: number): boolean =>
  w.start <= w.end ? m >= w.start && m < w.end : m >= w.start || m < w.end;
const allowedAt = (t: Date, cs: TConstraint[]): boolean =>
  cs.every((c) => c.zones.every((z) => inside(c, localMinutes(t, z))));

function constraintsFor(place: TRecipientPlace, brand: TBrandQuietHours | null): TConstraint[] {
  const us = place.country === "US";
  const numberZones = us ? (REGION_ZONES[place.region ?? ""] ?? US_ZONES) : null;
  // When only the number locates the recipient, every zone it could be in must be inside the window.
  const zones = place.timeZone ? [place.timeZone] : numberZones;
  const out: TConstraint[] = [];
  if (us && zones)
    out.push({ ...(place.region && REGION_ZONES[place.region] ? US_STATE_WINDOW : US_WINDOW), zones });
  const brandZones = zones ?? (brand?.timeZone ? [brand.timeZone] : null);
  if (brand && brandZones && brand.start !== brand.end)
    out.push({ start: brand.start, end: brand.end, zones: brandZones });
  return out;
}

/**
 * Whether a marketing send at `at` falls inside the recipient's sending windows (the legal US windows and
 * the brand's own), and if not, the first minute it would (`notBefore`; absent when the windows never meet).
 */
export function checkQuietHours(
  at: Date,
  place: TRecipientPlace,
  brand: TBrandQuietHours | null,
): { allowed: true } | { allowed: false; notBefore?: Date } {
  const cs = constraintsFor(place, brand);
  if (cs.length === 0 || allowedAt(at, cs)) return { allowed: true };
  const minute = at.getTime() - (at.getTime() % 60_000);
  // The window opens when some zone's clock reaches its start. A daylight-saving change on the way moves
  // that moment by up to an hour, so each candidate is also tried shifted by ±30 and ±60 minutes.
  const candidates = new Set<number>();
  for (const c of cs) {
    for (const z of c.zones) {
      const t = minute + ((((c.start - localMinutes(at, z)) % 1440) + 1440) % 1440) * 60_000;
      for (const shift of [-60, -30, 0, 30, 60]) candidates.add(t + shift * 60_000);
    }
  }
  for (const t of [...candidates].filter((t) => t > at.getTime()).sort((a, b) => a - b)) {
    if (allowedAt(new Date(t), cs)) return { allowed: false, notBefore: new Date(t) };
  }
  // Daylight-saving shifts can move a candidate by an hour: walk quarter hours for up to eight days.
  const quarter = at.getTime() - (at.getTime() % 900_000);
  for (let i = 1; i <= 8 * 96; i++) {
    const t = new Date(quarter + i * 900_000);
    if (allowedAt(t, cs)) return { allowed: false, notBefore: t };
  }
  return { allowed: false };
}
