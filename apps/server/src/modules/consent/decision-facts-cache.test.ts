import { describe, expect, it } from "vitest";
import { contactChanges } from "../contacts/index.js";
import { DecisionFactsCache, type TCachedFacts, type TDecisionFactsLoader } from "./decision-facts-cache.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loader over an in-memory "database" that counts its reads. */
function fakeLoader() {
  const db = new Map<string, number>();
  const reads: { ws: string; pairs: number }[] = [];
  const loader: TDecisionFactsLoader = {
    async facts(ws, pairs) {
      reads.push({ ws, pairs: pairs.length });
      const snapshot = new Map(db);
      return new Map(
        pairs.map((p): [string, TCachedFacts] => [
          `${p.contactId}\u0000${p.brandId}`,
          {
            contact: null,
            brandFound: true,
            quietHours: null,
            suppression: null,
            grants: [],
            optOutPropensity: snapshot.get(`${ws}/${p.contactId}`) ?? 0,
          },
        ]),
      );
    },
    campaign: async () => undefined,
    contactsByAddress: async () => new Map(),
  };
  return {
    loader,
    reads,
    set: (ws: string, contact: string, v: number) => db.set(`${ws}/${contact}`, v),
  };
}

describe("DecisionFactsCache", () => {
  it("serves hits without reading, batches the misses of one tick, and expires after its TTL", async () => {
    const f = fakeLoader();
    const cache = new DecisionFactsCache(f.loader, 200);
    try {
      f.set("ws_a", "ctc_1", 1);
      const first = await Promise.all(
        ["ctc_1", "ctc_2", "ctc_3", "ctc_1"].map((c) => cache.facts("ws_a", c, "brd_a")),
      );
      expect(first.map((x) => x.optOutPropensity)).toEqual([1, 0, 0, 1]);
      expect(f.reads).toEqual([{ ws: "ws_a", pairs: 3 }]);
      f.set("ws_a", "ctc_1", 2);
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(1);
      expect(f.reads).toHaveLength(1);
      await sleep(230);
      // Unused since its read, so not refreshed: past the TTL it is read again, never served stale.
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(2);
    } finally {
      cache.close();
    }
  });

  it("drops a contact at once on a write in this process, and keeps it out while the write settles", async () => {
    const f = fakeLoader();
    const cache = new DecisionFactsCache(f.loader, 60_000, 100);
    try {
      await cache.facts("ws_a", "ctc_1", "brd_a");
      f.set("ws_a", "ctc_1", 5);
      DecisionFactsCache.invalidate("ws_a", "ctc_1");
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(5);
      f.set("ws_a", "ctc_1", 6);
      // The writer's transaction may not have committed yet: the contact is not cached meanwhile.
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(6);
      expect(f.reads).toHaveLength(3);
      // A warm-up read now would not be kept: storable says so until the write settled.
      expect(cache.storable("ws_a", "ctc_1")).toBe(false);
      expect(cache.storable("ws_a", "ctc_untouched")).toBe(true);
      // Contact changes in this process (profile, identities) invalidate too.
      contactChanges.contactChanged("ws_a", "ctc_2");
      await cache.facts("ws_a", "ctc_2", "brd_a");
      f.set("ws_a", "ctc_2", 7);
      expect((await cache.facts("ws_a", "ctc_2", "brd_a")).optOutPropensity).toBe(7);
      // Once settled, it is cached again: a change behind the cache's back is not seen before the TTL.
      await sleep(120);
      expect(cache.storable("ws_a", "ctc_1")).toBe(true);
      await cache.facts("ws_a", "ctc_2", "brd_a");
      f.set("ws_a", "ctc_2", 8);
      expect((await cache.facts("ws_a", "ctc_2", "brd_a")).optOutPropensity).toBe(7);
    } finally {
      cache.close();
    }
  });

  it("never stores a read that began before a write, however long it took and whatever was asked meanwhile", async () => {
    const f = fakeLoader();
    // A read the test holds open: it saw the database as it was before the write.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const slow: TDecisionFactsLoader = {
      ...f.loader,
      async facts(ws, pairs) {
        const before = await f.loader.facts(ws, pairs);
        await held;
        return before;
      },
    };
    const cache = new DecisionFactsCache(slow, 60_000, 50);
    try {
      f.set("ws_a", "ctc_1", 1);
      const stale = cache.facts("ws_a", "ctc_1", "brd_a");
      await sleep(5);
      f.set("ws_a", "ctc_1", 2);
      DecisionFactsCache.invalidate("ws_a", "ctc_1");
      await sleep(80);
      // Asked after the write settled (nothing cached yet), then the old read ends.
      expect(cache.peek("ws_a", "ctc_1", "brd_a")).toBeUndefined();
      release();
      expect((await stale).optOutPropensity).toBe(1);
      // The old read was not kept: the next answer is read again and shows the write.
      expect(cache.peek("ws_a", "ctc_1", "brd_a")).toBeUndefined();
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(2);
    } finally {
      cache.close();
    }
  });

  it("re-reads the entries in use in the background, in one batch, so they never expire", async () => {
    const f = fakeLoader();
    const cache = new DecisionFactsCache(f.loader, 1_000);
    try {
      await Promise.all(["ctc_1", "ctc_2"].map((c) => cache.facts("ws_a", c, "brd_a")));
      f.set("ws_a", "ctc_1", 3);
      for (let i = 0; i < 14; i++) {
        await Promise.all(["ctc_1", "ctc_2"].map((c) => cache.facts("ws_a", c, "brd_a")));
        await sleep(150);
      }
      // Reads after the first came from the sweep, both contacts at once.
      expect(f.reads.length).toBeGreaterThan(1);
      expect(f.reads.slice(1).some((r) => r.pairs === 2)).toBe(true);
      const readsBefore = f.reads.length;
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(3);
      expect(f.reads.length).toBe(readsBefore);
    } finally {
      cache.close();
    }
  });

  it("forgets everything when the change feed goes up or down, and keeps entries longer only while it is up", async () => {
    const f = fakeLoader();
    const cache = new DecisionFactsCache(f.loader, 100, 10, 60_000);
    try {
      expect(cache.ttlMs).toBe(100);
      await cache.facts("ws_a", "ctc_1", "brd_a");
      cache.changeFeed(true);
      expect(cache.ttlMs).toBe(60_000);
      f.set("ws_a", "ctc_1", 4);
      // Notifications may have been missed before the feed came up: the entry was dropped.
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(4);
      f.set("ws_a", "ctc_1", 5);
      await sleep(150);
      // Past the short bound but within the long one: served from the cache, no read.
      const reads = f.reads.length;
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(4);
      expect(f.reads.length).toBe(reads);
      // A notification drops the contact (after the settle window, it is cached again).
      DecisionFactsCache.changed("ws_a ctc_1");
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(5);
      DecisionFactsCache.changed("garbage");
      f.set("ws_a", "ctc_1", 6);
      cache.changeFeed(false);
      expect(cache.ttlMs).toBe(100);
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(6);
    } finally {
      cache.close();
    }
  });

  it("never keeps a read that started before the change feed came up, with the long bound", async () => {
    const f = fakeLoader();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const slow: TDecisionFactsLoader = {
      ...f.loader,
      async facts(ws, pairs) {
        const before = await f.loader.facts(ws, pairs);
        await held;
        return before;
      },
    };
    const cache = new DecisionFactsCache(slow, 50, 10, 300_000);
    try {
      cache.changeFeed(false);
      f.set("ws_a", "ctc_1", 1);
      const stale = cache.facts("ws_a", "ctc_1", "brd_a");
      await sleep(5);
      // Written while the feed was down (its notification lost), then the feed comes up.
      f.set("ws_a", "ctc_1", 2);
      cache.changeFeed(true);
      release();
      expect((await stale).optOutPropensity).toBe(1);
      await sleep(120);
      expect(cache.peek("ws_a", "ctc_1", "brd_a")).toBeUndefined();
      expect((await cache.facts("ws_a", "ctc_1", "brd_a")).optOutPropensity).toBe(2);
    } finally {
      cache.close();
    }
  });
});
