import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advisoryLockFree, deferred, untilWaitingForAdvisoryLock } from "../../../test/advisory-locks.js";
import { testEngine } from "../../../test/harness.js";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withWorkspaceTx } from "../../core/db/tx.js";
import { blindIndex, type TWorkspaceKeys } from "../../core/keyring.js";
import type { TBootstrapResult } from "../workspaces/index.js";
import { createContact } from "./create-contact.js";
import { lockAddresses } from "./lock-addresses.js";
import { normalizeAddress } from "./normalize-address.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

interface TAddress {
  kind: string;
  index: string;
  /** The advisory lock key lockAddresses takes for it. */
  key: string;
  hash: bigint;
}

async function addressOf(
  ws: TBootstrapResult,
  keys: TWorkspaceKeys,
  channel: "sms" | "email",
  address: string,
): Promise<TAddress> {
  const n = normalizeAddress(channel, address, "address", { assignedOnly: true });
  const index = blindIndex(keys, n.kind, n.address);
  const key = `${ws.workspaceId}:${n.kind}:${index}`;
  const [h] = await s.database.query<{ h: string }>("select hashtextextended($1, 0)::text as h", [key]);
  return { kind: n.kind, index, key, hash: BigInt(h?.h ?? "0") };
}

/**
 * Phone and email pairs whose blind indexes sort one way and whose lock keys' hashes the other: a writer
 * locking by blind index and one locking as lockAddresses does would take their locks in opposite orders.
 */
async function crossedPairs(
  ws: TBootstrapResult,
  keys: TWorkspaceKeys,
  count: number,
): Promise<{ phone: string; email: string; first: TAddress; second: TAddress }[]> {
  const out = [];
  for (let n = 0; out.length < count && n < 5000; n++) {
    const phone = `+336${String(12_000_000 + n * 7919).padStart(8, "0")}`;
    const email = `lock${n}@example.com`;
    const p = await addressOf(ws, keys, "sms", phone);
    const e = await addressOf(ws, keys, "email", email);
    const [first, second] = p.hash < e.hash ? [p, e] : [e, p];
    if (first.index > second.index) out.push({ phone, email, first, second });
  }
  return out;
}

describe("address locks", () => {
  it.runIf(testEngine === "postgres")(
    "POST /v1/contacts takes its address locks in the order lockAddresses takes them",
    async () => {
      const ws = await s.workspace();
      const keys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
      const [pair] = await crossedPairs(ws, keys, 1);
      if (!pair) throw new Error("no address pair found");
      // An import holds the lock that comes second; the new contact must already hold the first one
      // while it waits (taking the second first, it would wait holding nothing: a deadlock with an import
      // that holds the first and waits for the second).
      const held = deferred();
      const locked = deferred();
      const importer = withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
        await lockAddresses(tx, { workspaceId: ws.workspaceId, addresses: [pair.second] });
        locked.resolve();
        await held.promise;
      });
      await locked.promise;
      let creatorPid: (pid: number) => void = () => undefined;
      const pid = new Promise<number>((resolve) => {
        creatorPid = resolve;
      });
      const creating = withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
        const [me] = await rows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
        creatorPid(me?.pid ?? 0);
        return createContact(tx, keys, {
          workspaceId: ws.workspaceId,
          identities: [
            { channel: "sms", address: pair.phone },
            { channel: "email", address: pair.email },
          ],
          actor: { type: "system", id: null },
        });
      });
      try {
        await untilWaitingForAdvisoryLock(s.database, await pid);
        expect(await advisoryLockFree(s.database, pair.first.key)).toBe(false);
      } finally {
        held.resolve();
      }
      await importer;
      expect((await creating).identities.map((i) => i.channel).sort()).toEqual(["email", "sms"]);
    },
  );

  it.runIf(testEngine === "postgres")(
    "never deadlocks POST /v1/contacts with an import naming the same addresses",
    async () => {
      const ws = await s.workspace();
      const keys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
      const statuses: number[] = [];
      for (const { phone, email } of await crossedPairs(ws, keys, 40)) {
        const [created, imported] = await Promise.all([
          s.app.inject({
            method: "POST",
            url: "/v1/contacts",
            headers: bearer(ws.apiKey),
            payload: { phone, email },
          }),
          s.app.inject({
            method: "POST",
            url: "/v1/consents/import",
            headers: bearer(ws.apiKey),
            payload: {
              brandId: ws.brandId,
              records: [
                { channel: "sms", address: phone },
                { channel: "email", address: email },
              ],
              optOut: { scope: "all", source: "old list" },
            },
          }),
        ]);
        statuses.push(created.statusCode, imported.statusCode);
      }
      expect(statuses.filter((status) => status >= 500)).toEqual([]);
    },
  );
});
