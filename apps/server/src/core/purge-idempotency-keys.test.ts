import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../test/server.js";
import { purgeIdempotencyKeys } from "./purge-idempotency-keys.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

describe("purgeIdempotencyKeys", () => {
  it("deletes answers older than a day, in batches, and keeps the rest replaying", async () => {
    const ws = await s.workspace();
    const create = (key: string, phone: string) =>
      s.app.inject({
        method: "POST",
        url: "/v1/contacts",
        headers: { ...bearer(ws.apiKey), "idempotency-key": key },
        payload: { phone },
      });
    for (const [n, key] of ["old-1", "old-2", "old-3", "new-1"].entries())
      expect((await create(key, `+3361234560${n}`)).statusCode).toBe(201);
    await s.database.query(
      "update idempotency_keys set created_at = now() - interval '25 hours' where key like 'old-%'",
    );
    expect(await purgeIdempotencyKeys(s.ctx.db, { batch: 2 })).toBe(3);
    const left = await s.database.query<{ key: string }>(
      "select key from idempotency_keys where workspace_id = $1 order by key",
      [ws.workspaceId],
    );
    expect(left.map((r) => r.key)).toEqual(["new-1"]);
    // The kept one still replays; a purged key is a new request (here: the number is taken, 409).
    expect((await create("new-1", "+33612345603")).statusCode).toBe(201);
    expect((await create("old-1", "+33612345600")).statusCode).toBe(409);
  });
});
