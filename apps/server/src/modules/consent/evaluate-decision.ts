import { placeOfAddress } from "../contacts/index.js";
import type { TCampaign, TDecision, TDecisionInput, TDecisionReason, TGrantState } from "./consent.types.js";
import { grantStanding, type TGrantStanding } from "./grant-standing.js";
import { checkQuietHours, type TBrandQuietHours, type TRecipientPlace } from "./quiet-hours.js";

/** Everything a decision reads, for one contact and brand. */
export interface TDecisionFacts {
  /** null when the contact is not in the input's workspace. */
  contact: {
    erasedAt: Date | null;
    restrictedAt: Date | null;
    minor: boolean;
    /** Under 16 until then (from the contact's birth date). */
    minorUntil: Date | null;
    timeZone: string | null;
    phoneTimeZone: string | null;
    country: string | null;
    region: string | null;
  } | null;
  brandFound: boolean;
  quietHours: TBrandQuietHours | null;
  suppression: { optOutAllEntryId: string | null; optOutMarketingEntryId: string | null } | null;
  /** This contact's grants for this brand only: no other brand's consent ever reaches a decision. */
  grants: readonly TGrantState[];
  /** The input's campaign when it has one (undefined when not found in the workspace). */
  campaign: TCampaign | undefined;
}

const standing = grantStanding;

/** A number outside North America, where no window but a brand's applies (and the brand has none). */
const ABROAD: TRecipientPlace = { timeZone: null, phoneTimeZone: null, country: null, region: null };

/**
 * Where the recipient is for quiet hours: a zone set on the contact always wins; otherwise the number the
 * message goes to tells the country, state and zone (a contact's second number may ring elsewhere than
 * its first, from which the contact's own place was taken). A number outside North America (+1) is never
 * in the US: unless the brand keeps a window of its own, its zone does not matter and it is not parsed.
 */
function placeOf(
  contact: NonNullable<TDecisionFacts["contact"]>,
  input: TDecisionInput,
  brand: TBrandQuietHours | null,
): TRecipientPlace {
  const to = input.recipient;
  if (to === undefined) return contact;
  if (input.channel !== "sms" && input.channel !== "whatsapp" && input.channel !== "voice") return contact;
  // `+` and a country code starting 2–9: a number abroad, which needs no parse. Anything else (a North
  // American number, text as a caller typed it) is parsed, and kept, by placeOfAddress.
  const cc = to.charCodeAt(1);
  if (to.charCodeAt(0) === 43 && cc >= 50 && cc <= 57 && (brand === null || brand.start === brand.end))
    return ABROAD;
  const p = placeOfAddress(input.channel, to);
  if (!p) return contact;
  return { timeZone: contact.timeZone, phoneTimeZone: p.timeZone, country: p.country, region: p.region };
}

const refuse = (reason: TDecisionReason, ledgerEntryIds: string[] = []): TDecision => ({
  allowed: false,
  reason,
  basis: null,
  ledgerEntryIds,
});
/** A grant of this brand, category and campaign scope, already in effect at `at` (ms). */
function grantInScope(
  g: TGrantState,
  input: TDecisionInput,
  category: TDecisionInput["category"],
  campaignId: string | null,
  at: number,
): boolean {
  return (
    g.brandId === input.brandId &&
    g.category === category &&
    (g.campaignId === null
      ? campaignId === null || !excludes(g, campaignId, input.channel)
      : g.campaignId === campaignId) &&
    g.effectiveAt.getTime() <= at
  );
}
/** The entry by which the person withdrew this campaign on this channel from a brand-wide grant, if any. */
function exclusionOf(g: TGrantState, campaignId: string, channel: string): string | undefined {
  if (g.exclusions === undefined) return undefined;
  const prefix = `${campaignId}:${channel}:`;
  for (const x of g.exclusions) if (x.startsWith(prefix)) return x.slice(prefix.length);
  return undefined;
}
const excludes = (g: TGrantState, campaignId: string, channel: string): boolean =>
  g.exclusions !== undefined && exclusionOf(g, campaignId, channel) !== undefined;
const grantIds = (g: TGrantState): string[] => (g.confirmedEntryId ? [g.id, g.confirmedEntryId] : [g.id]);

/**
 * The consent decision for one send, from the facts alone (pure). Order: erased, restricted, opted out of
 * everything, campaign scope, then transactional sends rest on the contract; marketing needs no marketing
 * opt-out, an adult recipient, an active grant of this brand covering the campaign and channel, and the
 * recipient's sending window.
 */
export function evaluateDecision(input: TDecisionInput, facts: TDecisionFacts): TDecision {
  const contact = facts.contact;
  if (!contact || !facts.brandFound) return refuse("consent_missing");
  if (contact.erasedAt) return refuse("contact_erased");
  if (contact.restrictedAt) return refuse("contact_restricted");
  if (facts.suppression?.optOutAllEntryId) return refuse("opted_out", [facts.suppression.optOutAllEntryId]);
  let category = input.category;
  const campaignId = input.campaignId ?? null;
  if (campaignId !== null) {
    const campaign = facts.campaign;
    if (!campaign || campaign.id !== campaignId || campaign.brandId !== input.brandId)
      return refuse("consent_missing");
    // A campaign labelled marketing stays marketing whatever the caller says.
    if (campaign.category === "marketing") category = "marketing";
    if (!campaign.channels.includes(input.channel)) return refuse("channel_not_covered");
  }
  const at = input.at.getTime();
  // The best active grant on this channel: a campaign's own before a brand-wide one, then the latest.
  let best: TGrantState | undefined;
  // A consent given before the person turned 16 never permits marketing, not even after their birthday.
  const adultFrom =
    category === "marketing" && contact.minorUntil !== null ? contact.minorUntil.getTime() : 0;
  for (const g of facts.grants) {
    if (!grantInScope(g, input, category, campaignId, at)) continue;
    if (!g.channels.includes(input.channel) || standing(g, input.at) !== "active") continue;
    if (g.effectiveAt.getTime() < adultFrom) continue;
    // Marketing rests on consent or legitimate interest (soft opt-in), never on a contract.
    if (category === "marketing" && g.basis === "contract") continue;
    const specific = g.campaignId !== null;
    const bestSpecific = best?.campaignId !== null;
    if (
      !best ||
      (specific && !bestSpecific) ||
      (specific === bestSpecific && g.effectiveAt.getTime() > best.effectiveAt.getTime())
    )
      best = g;
  }
  if (category !== "marketing") {
    return {
      allowed: true,
      reason: "transactional_basis",
      basis: best ? best.basis : "contract",
      ledgerEntryIds: best ? grantIds(best) : [],
    };
  }
  if (facts.suppression?.optOutMarketingEntryId)
    return refuse("opted_out_marketing", [facts.suppression.optOutMarketingEntryId]);
  if (contact.minor || (contact.minorUntil !== null && input.at.getTime() < contact.minorUntil.getTime()))
    return refuse("minor");
  if (best) {
    const quiet = checkQuietHours(input.at, placeOf(contact, input, facts.quietHours), facts.quietHours);
    const ids = grantIds(best);
    if (quiet.allowed)
      return { allowed: true, reason: "consent_granted", basis: best.basis, ledgerEntryIds: ids };
    return {
      allowed: false,
      reason: "quiet_hours",
      basis: best.basis,
      ledgerEntryIds: ids,
      ...(quiet.notBefore ? { notBefore: quiet.notBefore } : {}),
    };
  }
  const inScope = (g: TGrantState) => grantInScope(g, input, category, campaignId, at);
  const onChannel = facts.grants.filter((g) => inScope(g) && g.channels.includes(input.channel));
  const by = (s: TGrantStanding) => onChannel.filter((g) => standing(g, input.at) === s);
  const pending = by("pending");
  if (pending.length > 0)
    return refuse(
      "consent_pending",
      pending.map((g) => g.id),
    );
  const withdrawn = by("withdrawn").flatMap((g) =>
    g.withdrawnEntryId ? [g.id, g.withdrawnEntryId] : [g.id],
  );
  // The person withdrew this campaign on this channel from a brand-wide grant: that is the answer,
  // whatever else the brand's grants cover (with the grant's own withdrawal, if it was withdrawn since).
  if (campaignId !== null) {
    const revoked: string[] = [];
    for (const g of facts.grants) {
      if (g.campaignId !== null || g.brandId !== input.brandId || g.category !== category) continue;
      if (!g.channels.includes(input.channel) || g.effectiveAt.getTime() > at) continue;
      const entry = exclusionOf(g, campaignId, input.channel);
      if (entry === undefined) continue;
      revoked.push(g.id, entry);
      if (g.withdrawnEntryId) revoked.push(g.withdrawnEntryId);
    }
    if (revoked.length > 0) return refuse("consent_revoked", [...withdrawn, ...revoked]);
  }
  const elsewhere = facts.grants.filter(
    (g) => inScope(g) && !g.channels.includes(input.channel) && standing(g, input.at) === "active",
  );
  if (elsewhere.length > 0) return refuse("channel_not_covered");
  const expired = by("expired");
  if (expired.length > 0)
    return refuse(
      "consent_expired",
      expired.map((g) => g.id),
    );
  if (withdrawn.length > 0) return refuse("consent_revoked", withdrawn);
  return refuse("consent_missing");
}
