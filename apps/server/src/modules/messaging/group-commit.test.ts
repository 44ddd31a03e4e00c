import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.js";

/** A group commit that records its batches and answers each item with itself. */
function recording(options: { gatherMs?: number; maxBatch?: number }) {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>({
    ...options,
    run: async (items) => {
      batches.push(items);
      return items.map((value) => ({ status: "fulfilled" as const, value }));
    },
  });
  return { batches, commit };
}

/** Let queued immediates and promise callbacks run. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("GroupCommit", () => {
  it("commits what arrives together in one batch and answers every item", async () => {
    const { batches, commit } = recording({});
    expect(await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("with gatherMs, waits for as many items as the last batch answered before the next batch", async () => {
    // A wait far longer than the test: only arrivals can end it here.
    const { batches, commit } = recording({ gatherMs: 60_000 });
    await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)]);
    const next = [commit.submit(4), commit.submit(5)];
    await turns();
    expect(batches).toEqual([[1, 2, 3]]);
    next.push(commit.submit(6));
    expect(await Promise.all(next)).toEqual([4, 5, 6]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await commit.drain();
  });

  it("with gatherMs, a caller alone after a lone answer is not kept waiting", async () => {
    const { batches, commit } = recording({ gatherMs: 60_000 });
    expect(await commit.submit(1)).toBe(1);
    expect(await commit.submit(2)).toBe(2);
    expect(batches).toEqual([[1], [2]]);
  });

  it("with gatherMs, starts a smaller batch when the wait ends", async () => {
    const { batches, commit } = recording({ gatherMs: 1 });
    await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)]);
    expect(await commit.submit(4)).toBe(4);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("with gatherMs, does not wait once maxBatch items are queued", async () => {
    const { batches, commit } = recording({ gatherMs: 60_000, maxBatch: 2 });
    await Promise.all([commit.submit(1), commit.submit(2)]);
    const next = [commit.submit(3)];
    await turns();
    expect(batches).toEqual([[1, 2]]);
    next.push(commit.submit(4));
    expect(await Promise.all(next)).toEqual([3, 4]);
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
