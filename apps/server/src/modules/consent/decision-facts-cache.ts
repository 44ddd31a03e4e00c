import { contactChanges, type TContactChannel, type TIdentityKind } from "../contacts/index.js";
import type { TCampaign } from "./consent.types.js";
import type { TContactBrandFacts } from "./read-decision-facts.js";

/** Cached facts of one (contact, brand): the decision facts plus the contact's cross-brand signal. */
export interface TCachedFacts extends TContactBrandFacts {
  optOutPropensity: number;
}

/** An address as the cache knows it: by its blind index, never by the address itself. */
export interface TAddressKey {
  channel: TContactChannel;
  kind: TIdentityKind;
  index: string;
  /** `channel:index`, when the caller built it once (see addressKeyOf). */
  key?: string;
}

/** The address with its cache key computed once, for callers that look the same address up often. */
export const addressKeyOf = (a: Omit<TAddressKey, "key">): TAddressKey => ({
  ...a,
  key: `${a.channel}:${a.index}`,
});

/** What the cache asks the database for, one workspace at a time (misses are batched per tick). */
export interface TDecisionFactsLoader {
  /** Keyed `contactId\0brandId`; every pair asked for is answered. */
  facts(
    workspaceId: string,
    pairs: { contactId: string; brandId: string }[],
  ): Promise<Map<string, TCachedFacts>>;
  campaign(workspaceId: string, campaignId: string): Promise<TCampaign | undefined>;
  /** The contacts owning these addresses (as resolveContactByAddress finds them), keyed `channel:index`. */
  contactsByAddress(workspaceId: string, addresses: TAddressKey[]): Promise<Map<string, string>>;
}

interface TTimed<T> {
  value: T;
  /** performance.now() when the read that produced it started. */
  loadedAt: number;
  /** performance.now() of the last answer it served (facts and addresses). */
  usedAt?: number;
}

/** A value read for a batch, with the time the earliest of its callers started (its entries' age). */
interface TBatchRead<T> {
  value: T;
  started: number;
}

interface TWaiter<T> {
  key: string;
  resolve: (v: TBatchRead<T>) => void;
  reject: (e: unknown) => void;
}

/**
 * Reads of one kind waiting for the end of the tick, by workspace. Every value of a batch is answered
 * with the same start time (the earliest caller's: never younger than any caller thought), so entries
 * read together age together and the background sweep re-reads them together.
 */
class TickBatch<TItem, T> {
  private pending = new Map<string, { items: Map<string, TItem>; waiters: TWaiter<T>[]; started: number }>();
  private scheduled = false;

  constructor(private readonly read: (workspaceId: string, items: TItem[]) => Promise<Map<string, T>>) {}

  /** `started`: performance.now() when the caller began (before waiting for the tick). */
  get(workspaceId: string, key: string, item: TItem, started: number): Promise<TBatchRead<T>> {
    return new Promise((resolve, reject) => {
      const batch = this.pending.get(workspaceId) ?? {
        items: new Map<string, TItem>(),
        waiters: [] as TWaiter<T>[],
        started,
      };
      batch.started = Math.min(batch.started, started);
      batch.items.set(key, item);
      batch.waiters.push({ key, resolve, reject });
      this.pending.set(workspaceId, batch);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const all = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [workspaceId, batch] of all) {
      this.read(workspaceId, [...batch.items.values()]).then(
        (found) => {
          for (const w of batch.waiters) {
            const v = found.get(w.key);
            if (v === undefined) w.reject(new Error(`no answer for ${w.key}`));
            else w.resolve({ value: v, started: batch.started });
          }
        },
        (error: unknown) => {
          for (const w of batch.waiters) w.reject(error);
        },
      );
    }
  }
}

const DEFAULT_TTL_MS = 2_000;
const DEFAULT_SETTLE_MS = 1_000;
/** Entries used since their last read and older than this share of the TTL are re-read by the sweep. */
const REFRESH_AT = 0.5;
/**
 * Keys per background re-read (one read per workspace and chunk). Small, with a turn of the event loop
 * between chunks: on the embedded engine a read runs on the event loop, and requests must not wait for
 * a long one.
 */
const SWEEP_CHUNK = 100;
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));
const MAX_ENTRIES = 200_000;
/**
 * How long an invalidation is remembered (pruned by the sweep). A read that started before it and ended
 * more than this later would be stored; facts reads are single statements of milliseconds.
 */
const INVALIDATION_MEMORY_MS = 60_000;
const caches = new Set<DecisionFactsCache>();
const pairKey = (contactId: string, brandId: string) => `${contactId}\u0000${brandId}`;
const contactKey = (workspaceId: string, contactId: string) => `${workspaceId}\u0000${contactId}`;
const addressKey = (a: TAddressKey) => a.key ?? `${a.channel}:${a.index}`;
/** No contact has the address (cached as such). */
const NOBODY = "";

/**
 * While the change feed is up, what it does not carry is only the cross-brand signal (a number, never part
 * of a decision): brands' quiet-hours policies are set when the brand is created and campaigns do not
 * change. A writer of either in the future must NOTIFY too, or this bound must shrink.
 */
const DEFAULT_COHERENT_TTL_MS = 300_000;

/**
 * A per-process warm cache of decision facts for the advisory check API (`POST /v1/consent/check`),
 * keyed by (workspace, contact, brand), plus campaigns and address → contact lookups.
 *
 * Coherence: every ledger append and every change to a contact's restriction, age or time zone sends a
 * NOTIFY (`assent_contact_changes`) in its transaction; each process listens and drops the contact when the
 * writer commits, whichever process wrote. While that change feed is up, entries live `coherentTtlMs`
 * (5 min; see DEFAULT_COHERENT_TTL_MS for what is not notified). While it is
 * down (a lost connection, or before it starts) the cache is emptied and entries live `ttlMs` (2 s):
 * an answer then never rests on a read that started more than 2 s ago.
 * A write in this process also drops the contact at once and keeps it out of the cache for `settleMs`
 * (1 s; its transaction may not have committed yet). Misses of one tick are read together, and a
 * background sweep re-reads, in batches, the entries used since their last read once they are half a
 * TTL old, so hot keys never miss. The dispatcher never reads this: it decides with
 * `decideMany(tx, …, { lock: "share" })` inside its own transaction.
 */
export class DecisionFactsCache {
  /**
   * By workspace, then contact, then brand: a check looks its facts up by the strings it was given,
   * without building a key (a new string would be hashed at every lookup).
   */
  private readonly contacts = new Map<string, Map<string, Map<string, TTimed<TCachedFacts>>>>();
  /** How many contacts `contacts` holds, over all workspaces (bounded by MAX_ENTRIES). */
  private contactCount = 0;
  /**
   * When each contact was last invalidated (performance.now()), by `workspace\0contact`. Reads that
   * started earlier, or less than settleMs after it, are never stored; so a cached entry is always one
   * read after its contact's last write settled, and a hit needs no look here. Pruned after INVALIDATION_MEMORY_MS.
   */
  private readonly invalidatedAt = new Map<string, number>();
  private readonly workspaceChangedAt = new Map<string, number>();
  private readonly campaigns = new Map<string, TTimed<TCampaign | undefined>>();
  /** By workspace, then `channel:index`: the contact id, or NOBODY. */
  private readonly addresses = new Map<string, Map<string, TTimed<string> & { address: TAddressKey }>>();
  /** The NOBODY keys of each workspace, dropped at any contact change there. */
  private readonly nobody = new Map<string, Set<string>>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly factsBatch: TickBatch<{ contactId: string; brandId: string }, TCachedFacts>;
  private readonly addressBatch: TickBatch<TAddressKey, string>;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping = false;
  /** How long a contact written in this process stays out of the cache (its transaction may be open). */
  readonly settleMs: number;
  /** Whether change notifications are flowing (see changeFeed). */
  private coherent = false;
  /**
   * performance.now() of the last change-feed transition. A read that started before it may have missed
   * notifications and is never stored (else it would outlive the transition, with the long bound).
   */
  private feedChangedAt = Number.NEGATIVE_INFINITY;
  private readonly coherentTtlMs: number;

  constructor(
    private readonly loader: TDecisionFactsLoader,
    /** The bound while no change feed is up. */
    private readonly uncoherentTtlMs: number = DEFAULT_TTL_MS,
    settleMs?: number,
    /** The bound while the change feed is up (never shorter than `uncoherentTtlMs`). */
    coherentTtlMs: number = DEFAULT_COHERENT_TTL_MS,
  ) {
    this.settleMs = Math.min(settleMs ?? DEFAULT_SETTLE_MS, uncoherentTtlMs);
    this.coherentTtlMs = Math.max(coherentTtlMs, uncoherentTtlMs);
    this.factsBatch = new TickBatch((ws, pairs) => this.loader.facts(ws, pairs));
    this.addressBatch = new TickBatch(async (ws, items) => {
      const found = await this.loader.contactsByAddress(ws, items);
      return new Map(items.map((a) => [addressKey(a), found.get(addressKey(a)) ?? NOBODY]));
    });
    caches.add(this);
  }

  /** How long an entry may serve answers now. */
  get ttlMs(): number {
    return this.coherent ? this.coherentTtlMs : this.uncoherentTtlMs;
  }

  /**
   * The change feed went up or down. Notifications may have been missed around either transition, so
   * everything cached is forgotten, and reads still in flight that started before it are not kept; the
   * TTL follows the state.
   */
  changeFeed(up: boolean): void {
    this.contacts.clear();
    this.contactCount = 0;
    this.campaigns.clear();
    this.addresses.clear();
    this.nobody.clear();
    this.coherent = up;
    this.feedChangedAt = performance.now();
    if (this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = setInterval(() => void this.sweep(), this.ttlMs / 4).unref();
    }
  }

  /** A NOTIFY payload of the consent change feed (`workspaceId contactId`); malformed ones are ignored. */
  static changed(payload: string): void {
    const [workspaceId, contactId, extra] = payload.split(" ");
    if (workspaceId && contactId && extra === undefined)
      DecisionFactsCache.invalidate(workspaceId, contactId);
  }

  /** Invalidate a contact in every cache of this process (ledger appends, contact changes). */
  static invalidate(workspaceId: string, contactId: string): void {
    for (const c of caches) c.invalidate(workspaceId, contactId);
  }

  /** Stop receiving invalidations and sweeping (the app closed). */
  close(): void {
    caches.delete(this);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  invalidate(workspaceId: string, contactId: string): void {
    const ck = contactKey(workspaceId, contactId);
    if (this.contacts.get(workspaceId)?.delete(contactId)) this.contactCount--;
    if (this.invalidatedAt.size > MAX_ENTRIES) this.pruneInvalidations();
    const now = performance.now();
    this.invalidatedAt.set(ck, now);
    // A contact created or given an address may make a cached "nobody has this address" wrong.
    const addresses = this.addresses.get(workspaceId);
    for (const k of this.nobody.get(workspaceId) ?? []) addresses?.delete(k);
    this.nobody.delete(workspaceId);
    if (this.workspaceChangedAt.size >= MAX_ENTRIES) this.workspaceChangedAt.clear();
    this.workspaceChangedAt.set(workspaceId, now);
  }

  /**
   * The facts of (contact, brand) when the cache holds them fresh enough, without waiting for anything.
   * `now`: performance.now(), when the caller has it already (a check reads the clock once).
   */
  peek(
    workspaceId: string,
    contactId: string,
    brandId: string,
    now = performance.now(),
  ): TCachedFacts | undefined {
    const entry = this.contacts.get(workspaceId)?.get(contactId)?.get(brandId);
    if (entry === undefined || now - entry.loadedAt >= this.ttlMs) return undefined;
    entry.usedAt = now;
    return entry.value;
  }

  /**
   * Whether a read of this contact's facts started now would be kept: not while its last write in this
   * process may still be uncommitted (settleMs). Callers warming the cache skip the others.
   */
  storable(workspaceId: string, contactId: string, now = performance.now()): boolean {
    const inv = this.invalidatedAt.get(contactKey(workspaceId, contactId));
    return inv === undefined || now - inv >= this.settleMs;
  }

  /** The facts of (contact, brand), from the cache when fresh enough. */
  async facts(workspaceId: string, contactId: string, brandId: string): Promise<TCachedFacts> {
    const hit = this.peek(workspaceId, contactId, brandId);
    if (hit) return hit;
    const ck = contactKey(workspaceId, contactId);
    const read = () =>
      this.factsBatch.get(
        workspaceId,
        pairKey(contactId, brandId),
        { contactId, brandId },
        performance.now(),
      );
    const inv = this.invalidatedAt.get(ck);
    if (inv !== undefined && performance.now() - inv < this.settleMs) return (await read()).value;
    return this.single(`f:${ck}\u0000${brandId}`, async () => {
      const { value, started } = await read();
      this.store(workspaceId, contactId, brandId, value, started);
      return value;
    });
  }

  /** A cached campaign lookup (`null`: known not to exist), or undefined when not cached. */
  peekCampaign(
    workspaceId: string,
    campaignId: string,
    now = performance.now(),
  ): TCampaign | null | undefined {
    const hit = this.campaigns.get(`${workspaceId}\u0000${campaignId}`);
    return hit && now - hit.loadedAt < this.ttlMs ? (hit.value ?? null) : undefined;
  }

  campaign(workspaceId: string, campaignId: string): Promise<TCampaign | undefined> {
    const key = `${workspaceId}\u0000${campaignId}`;
    return this.single(`c:${key}`, async () => {
      const started = performance.now();
      const value = await this.loader.campaign(workspaceId, campaignId);
      if (!this.readAcrossFeedChange(started))
        this.bounded(this.campaigns).set(key, { value, loadedAt: started });
      return value;
    });
  }

  /** A cached address lookup (`null`: nobody has it), or undefined when not cached or not to be trusted. */
  peekContactByAddress(
    workspaceId: string,
    address: TAddressKey,
    now = performance.now(),
  ): string | null | undefined {
    const hit = this.addresses.get(workspaceId)?.get(addressKey(address));
    if (!hit || now - hit.loadedAt >= this.ttlMs) return undefined;
    if (hit.value === NOBODY) {
      // Shortly after a contact change here (maybe not committed yet), "nobody" is not trusted.
      const changed = this.workspaceChangedAt.get(workspaceId);
      if (changed !== undefined && now - changed < this.settleMs) return undefined;
    }
    hit.usedAt = now;
    return hit.value === NOBODY ? null : hit.value;
  }

  /** The contact with this address (`null`: nobody), from the cache when fresh enough. */
  async contactByAddress(workspaceId: string, address: TAddressKey): Promise<string | null> {
    const hit = this.peekContactByAddress(workspaceId, address);
    if (hit !== undefined) return hit;
    const key = addressKey(address);
    const found = await this.single(`a:${workspaceId}\u0000${key}`, async () => {
      const { value, started } = await this.addressBatch.get(workspaceId, key, address, performance.now());
      this.storeAddress(workspaceId, address, value, started);
      return value;
    });
    return found === NOBODY ? null : found;
  }

  /** One read per key at a time; the sweep starts with the first read. */
  private single<T>(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const p = read().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    this.sweeper ??= setInterval(() => void this.sweep(), this.ttlMs / 4).unref();
    return p;
  }

  /** Whether a read that started then straddles a change-feed transition (see feedChangedAt). */
  private readAcrossFeedChange(started: number): boolean {
    return started <= this.feedChangedAt;
  }

  private bounded<V>(map: Map<string, V>): Map<string, V> {
    if (map.size >= MAX_ENTRIES) map.clear();
    return map;
  }

  private store(
    workspaceId: string,
    contactId: string,
    brandId: string,
    value: TCachedFacts,
    started: number,
  ): void {
    // Read before the contact's last write settled: it may not show that write (see invalidatedAt).
    const inv = this.invalidatedAt.get(contactKey(workspaceId, contactId));
    if (inv !== undefined && started < inv + this.settleMs) return;
    if (this.readAcrossFeedChange(started)) return;
    if (this.contactCount >= MAX_ENTRIES) this.evictOldest();
    let byContact = this.contacts.get(workspaceId);
    if (!byContact) {
      byContact = new Map();
      this.contacts.set(workspaceId, byContact);
    }
    let brands = byContact.get(contactId);
    if (!brands) {
      brands = new Map();
      byContact.set(contactId, brands);
      this.contactCount++;
    }
    const before = brands.get(brandId);
    if (before && before.loadedAt > started) return;
    brands.set(brandId, { value, loadedAt: started, usedAt: before?.usedAt ?? started });
  }

  private storeAddress(workspaceId: string, address: TAddressKey, value: string, started: number): void {
    // "Nobody" read before a contact change here may be wrong once that change commits.
    if (value === NOBODY && (this.workspaceChangedAt.get(workspaceId) ?? -1) >= started) return;
    if (this.readAcrossFeedChange(started)) return;
    let map = this.addresses.get(workspaceId);
    if (!map) {
      map = new Map();
      this.bounded(this.addresses).set(workspaceId, map);
    }
    const key = addressKey(address);
    const before = map.get(key);
    if (before && before.loadedAt > started) return;
    this.bounded(map).set(key, { value, address, loadedAt: started, usedAt: before?.usedAt ?? started });
    if (value === NOBODY) {
      const set = this.nobody.get(workspaceId) ?? new Set<string>();
      set.add(key);
      this.bounded(this.nobody).set(workspaceId, set);
    }
  }

  /** Re-read the entries in use before they expire; forget the ones nobody asked for since their read. */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = performance.now();
      const due = (e: { loadedAt: number; usedAt?: number }) =>
        (e.usedAt ?? 0) > e.loadedAt && now - e.loadedAt > this.ttlMs * REFRESH_AT;
      const facts = new Map<string, { contactId: string; brandId: string }[]>();
      for (const [ws, byContact] of this.contacts) {
        for (const [contactId, brands] of byContact) {
          for (const [brandId, e] of brands) {
            if (due(e)) {
              const list = facts.get(ws) ?? [];
              list.push({ contactId, brandId });
              facts.set(ws, list);
            } else if (now - e.loadedAt >= this.ttlMs) brands.delete(brandId);
          }
          if (brands.size === 0) {
            byContact.delete(contactId);
            this.contactCount--;
          }
        }
        if (byContact.size === 0) this.contacts.delete(ws);
      }
      if (this.invalidatedAt.size > 0) this.pruneInvalidations();
      const addresses = new Map<string, TAddressKey[]>();
      for (const [ws, map] of this.addresses) {
        for (const [k, e] of map) {
          if (due(e)) {
            const list = addresses.get(ws) ?? [];
            list.push(e.address);
            addresses.set(ws, list);
          } else if (now - e.loadedAt >= this.ttlMs) map.delete(k);
        }
        if (map.size === 0) this.addresses.delete(ws);
      }
      for (const [ws, list] of addresses) {
        for (let i = 0; i < list.length; i += SWEEP_CHUNK) {
          if (i > 0) await yieldToRequests();
          const chunk = list.slice(i, i + SWEEP_CHUNK);
          const started = performance.now();
          const found = await this.loader.contactsByAddress(ws, chunk);
          for (const a of chunk) this.storeAddress(ws, a, found.get(addressKey(a)) ?? NOBODY, started);
        }
      }
      for (const [ws, list] of facts) {
        for (let i = 0; i < list.length; i += SWEEP_CHUNK) {
          if (i > 0) await yieldToRequests();
          const chunk = list.slice(i, i + SWEEP_CHUNK);
          const started = performance.now();
          const found = await this.loader.facts(ws, chunk);
          for (const c of chunk) {
            const f = found.get(pairKey(c.contactId, c.brandId));
            if (f) this.store(ws, c.contactId, c.brandId, f, started);
          }
        }
      }
    } catch {
      // A failed re-read leaves the entries to expire; the next request reads them itself.
    } finally {
      this.sweeping = false;
    }
  }

  /** Drop the tenth of the contacts stored first (maps keep insertion order). */
  private evictOldest(): void {
    let n = Math.ceil(MAX_ENTRIES / 10);
    for (const [ws, byContact] of this.contacts) {
      for (const contactId of byContact.keys()) {
        if (n-- <= 0) return;
        byContact.delete(contactId);
        this.contactCount--;
      }
      this.contacts.delete(ws);
    }
  }

  private pruneInvalidations(): void {
    const now = performance.now();
    const memory = Math.max(this.settleMs, INVALIDATION_MEMORY_MS);
    for (const [k, at] of this.invalidatedAt) if (now - at >= memory) this.invalidatedAt.delete(k);
  }
}

contactChanges.listen((workspaceId, contactId) => DecisionFactsCache.invalidate(workspaceId, contactId));
