import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advisoryLockFree, deferred, untilWaitingForAdvisoryLock } from "../../../test/advisory-locks.js";
import { testEngine } from "../../../test/harness.js";
import type { TTestServer } from "../../../test/server.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { blindIndex } from "../../core/keyring.js";
import { lockAddresses, normalizeAddress } from "./ports.js";
import { prepareSendWork } from "./prepare-send-work.js";
import { getSendBatcher } from "./send-batcher.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  testActor,
} from "./testing/messaging-fixture.js";

let s: TTestServer;
let f: TMessagingFixture;
beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
});
afterAll(async () => s.close());

interface TLockKey {
  address: string;
  kind: string;
  index: string;
  key: string;
  hash: bigint;
}

describe("new contacts of a send batch", () => {
  it.runIf(testEngine === "postgres")(
    "take their address locks in the order every writer of several addresses takes them (no deadlock with an import)",
    async () => {
      const keys = await s.ctx.keys.forWorkspace(s.ctx.db, f.workspaceId);
      const keyOf = async (address: string): Promise<TLockKey> => {
        const n = normalizeAddress("sandbox", address, "to");
        const index = blindIndex(keys, n.kind, n.address);
        const key = `${f.workspaceId}:${n.kind}:${index}`;
        const [h] = await s.database.query<{ h: string }>("select hashtextextended($1, 0)::text as h", [key]);
        return { address, kind: n.kind, index, key, hash: BigInt(h?.h ?? "0") };
      };
      // Two new numbers whose order as typed is the opposite of their lock keys' order: a batch locking
      // them as typed takes the second lock first and waits holding nothing, while an import holding the
      // first waits for the second: a deadlock.
      let pair: [TLockKey, TLockKey] | undefined;
      for (let n = 0; !pair && n < 500; n++) {
        const a = await keyOf(`+33612${String(400_000 + n * 2).padStart(6, "0")}`);
        const b = await keyOf(`+33612${String(400_001 + n * 2).padStart(6, "0")}`);
        if (a.hash > b.hash) pair = [b, a];
      }
      if (!pair) throw new Error("no address pair found");
      const [first, second] = pair;
      expect(first.address > second.address).toBe(true);

      const held = deferred();
      const locked = deferred();
      const importer = withWorkspaceTx(s.ctx.db, f.workspaceId, async (tx) => {
        await lockAddresses(tx, { workspaceId: f.workspaceId, addresses: [second] });
        locked.resolve();
        await held.promise;
      });
      await locked.promise;
      const batcher = getSendBatcher(s.ctx);
      const sends = [first, second].map((k) =>
        batcher.submit(
          prepareSendWork({
            workspaceId: f.workspaceId,
            actor: testActor,
            request: {
              to: k.address,
              channel: "sandbox",
              brandId: f.brandId,
              category: "transactional",
              body: "lock order",
            },
          }),
        ),
      );
      try {
        await untilWaitingForAdvisoryLock(s.database);
        // While it waits for the second lock, it already holds the first one.
        expect(await advisoryLockFree(s.database, first.key)).toBe(false);
      } finally {
        held.resolve();
      }
      await importer;
      const answers = await Promise.all(sends);
      expect(answers.map((a) => a.status)).toEqual(["queued", "queued"]);
    },
  );
});
