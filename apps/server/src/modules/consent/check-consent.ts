import { blindIndex, type TWorkspaceKeys } from "../../core/keyring.js";
import { normalizeAddress, type TContactChannel, type TIdentityKind } from "../contacts/index.js";
import type { TCampaign, TCategory, TDecision } from "./consent.types.js";
import {
  addressKeyOf,
  type DecisionFactsCache,
  type TAddressKey,
  type TCachedFacts,
} from "./decision-facts-cache.js";
import { evaluateDecision } from "./evaluate-decision.js";

export interface TCheckConsentInput {
  workspaceId: string;
  /** The contact, by id… */
  contactId?: string | undefined;
  /** …or by an address on `channel` (never creates a contact). */
  to?: string | undefined;
  /** The request field `to` came from, named in invalid_address errors. */
  toField?: string | undefined;
  brandId: string;
  campaignId?: string | undefined;
  channel: TContactChannel;
  /** Defaults to the campaign's category, else marketing (the strictest). */
  category?: TCategory | undefined;
  at: Date;
}

export interface TCheckConsentResult {
  decision: TDecision;
  contactId: string | null;
  /**
   * The cross-brand signal of the workspace's contact: distinct brands this person opted out of in 12
   * months. Never part of the decision. 0 for an address no contact of the workspace holds: the signal is
   * never told about numbers the workspace does not already hold (else any workspace could probe them).
   */
  optOutPropensity: number;
}

/** A parsed address with its blind index and cache key, for one workspace, key version and channel. */
class TNormalized {
  constructor(
    readonly address: string,
    readonly kind: TIdentityKind,
    readonly country: string | null,
    readonly region: string | null,
    readonly timeZone: string | null,
    readonly index: string,
    /** What the cache finds the address's contact by (built once, not per check). */
    readonly addressKey: TAddressKey,
    readonly workspaceId: string,
    readonly keyVersion: TWorkspaceKeys["version"],
    readonly channel: TContactChannel,
    /** Another parse of the same text (another workspace, key version or channel), if any. */
    public next: TNormalized | undefined,
  ) {}
}
/**
 * Parsing a phone number costs tens of microseconds: recent answers are kept, by the text as given (a
 * short string: no key is built per check), each for its workspace, key version and channel (a short
 * chain: the same text in another workspace or on another channel is another entry).
 */
const normalized = new Map<string, TNormalized>();
const MAX_NORMALIZED = 10_000;
const MAX_CHAIN = 8;

function normalizeTo(keys: TWorkspaceKeys, o: TCheckConsentInput, to: string): TNormalized {
  const first = normalized.get(to);
  for (let n = first, depth = 0; n !== undefined && depth < MAX_CHAIN; n = n.next, depth++)
    if (n.workspaceId === o.workspaceId && n.keyVersion === keys.version && n.channel === o.channel) return n;
  const a = normalizeAddress(o.channel, to, o.toField ?? "to");
  const index = blindIndex(keys, a.kind, a.address);
  const out = new TNormalized(
    a.address,
    a.kind,
    a.country,
    a.region,
    a.timeZone,
    index,
    addressKeyOf({ channel: o.channel, kind: a.kind, index }),
    o.workspaceId,
    keys.version,
    o.channel,
    first,
  );
  // The chain keeps its most recent entries only.
  let last = out;
  for (let depth = 1; depth < MAX_CHAIN && last.next !== undefined; depth++) last = last.next;
  last.next = undefined;
  if (normalized.size >= MAX_NORMALIZED) normalized.clear();
  normalized.set(to, out);
  return out;
}

/** What a check needs, each piece either known or still to be read. */
interface TPieces {
  contactId: string | null | undefined;
  campaign: TCampaign | null | undefined;
  facts: TCachedFacts | undefined;
}

const inputOf = (o: TCheckConsentInput, contactId: string, campaign: TCampaign | undefined) => ({
  workspaceId: o.workspaceId,
  contactId,
  brandId: o.brandId,
  campaignId: o.campaignId ?? null,
  channel: o.channel,
  category: o.category ?? campaign?.category ?? "marketing",
  at: o.at,
  recipient: o.to,
});

/** The decision for a known contact whose facts are at hand. */
function decideFor(
  o: TCheckConsentInput,
  contactId: string,
  f: TCachedFacts,
  campaign: TCampaign | undefined,
): TCheckConsentResult {
  const decision = evaluateDecision(inputOf(o, contactId, campaign), {
    contact: f.contact,
    brandFound: f.brandFound,
    quietHours: f.quietHours,
    suppression: f.suppression,
    grants: f.grants,
    campaign,
  });
  return { decision, contactId, optOutPropensity: f.optOutPropensity };
}

function decide(
  o: TCheckConsentInput,
  p: TPieces,
  stranger: TNormalized | null,
): TCheckConsentResult | undefined {
  if (p.contactId === undefined || p.campaign === undefined || !p.facts) return undefined;
  const campaign = p.campaign ?? undefined;
  if (p.contactId !== null) return decideFor(o, p.contactId, p.facts, campaign);
  const f = p.facts;
  // Nobody has this address yet: a new contact in the number's place, with no consent and no opt-out.
  const decision = evaluateDecision(inputOf(o, "", campaign), {
    contact: {
      erasedAt: null,
      restrictedAt: null,
      minor: false,
      minorUntil: null,
      timeZone: null,
      phoneTimeZone: stranger?.timeZone ?? null,
      country: stranger?.country ?? null,
      region: stranger?.region ?? null,
    },
    brandFound: f.brandFound,
    quietHours: f.quietHours,
    suppression: null,
    grants: [],
    campaign,
  });
  // Nothing about a number the workspace does not hold: not even whether it opted out elsewhere.
  return { decision, contactId: null, optOutPropensity: 0 };
}

/**
 * The advisory consent check for any sender (`POST /v1/consent/check`): the same pure decision as the
 * pipeline's, over facts from the warm per-process cache (see DecisionFactsCache for its staleness bound).
 * When everything is cached it answers at once, without a promise (the hot path); otherwise it reads what
 * is missing. An address nobody has yet is judged as a new contact would be, with no cross-brand signal.
 * The dispatcher never uses this: it decides with `decideMany(…, { lock: "share" })` inside its own
 * transaction.
 */
export function checkConsent(
  cache: DecisionFactsCache,
  keys: TWorkspaceKeys,
  o: TCheckConsentInput,
): TCheckConsentResult | Promise<TCheckConsentResult> {
  const ws = o.workspaceId;
  const now = performance.now();
  const n = o.to === undefined ? null : normalizeTo(keys, o, o.to);
  const contactId = n ? cache.peekContactByAddress(ws, n.addressKey, now) : (o.contactId ?? null);
  const campaign = o.campaignId ? cache.peekCampaign(ws, o.campaignId, now) : null;
  // The hot path: a known contact whose facts (and campaign) are cached.
  if (contactId != null && campaign !== undefined) {
    const facts = cache.peek(ws, contactId, o.brandId, now);
    if (facts) return decideFor(o, contactId, facts, campaign ?? undefined);
  }
  const p: TPieces = { contactId, campaign, facts: undefined };
  if (contactId !== undefined) p.facts = cache.peek(ws, contactId ?? "", o.brandId, now);
  const stranger = contactId === null ? n : null;
  return decide(o, p, stranger) ?? readAndDecide(cache, o, p, n);
}

async function readAndDecide(
  cache: DecisionFactsCache,
  o: TCheckConsentInput,
  p: TPieces,
  n: TNormalized | null,
): Promise<TCheckConsentResult> {
  const ws = o.workspaceId;
  const contactId =
    p.contactId !== undefined ? p.contactId : n ? await cache.contactByAddress(ws, n.addressKey) : null;
  const campaign =
    p.campaign !== undefined
      ? p.campaign
      : o.campaignId
        ? ((await cache.campaign(ws, o.campaignId)) ?? null)
        : null;
  const facts = await cache.facts(ws, contactId ?? "", o.brandId);
  const result = decide(o, { contactId, campaign, facts }, contactId === null ? n : null);
  if (!result) throw new Error("consent check: facts missing after reading them");
  return result;
}
