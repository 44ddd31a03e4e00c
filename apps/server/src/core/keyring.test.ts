import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TTestDatabase } from "../../test/harness.js";
import { withSystemTx } from "./db/tx.js";
import { blindIndex, decryptField, encryptField, KeyRing } from "./keyring.js";

let database: TTestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

describe("keyring", () => {
  it("seals fields per workspace, finds them by blind index, and survives a master-key rotation", async () => {
    const master = randomBytes(32);
    const ring = new KeyRing(master);
    await withSystemTx(database.db, async (tx) => {
      await ring.createWorkspaceKey(tx, "ws_a");
      await ring.createWorkspaceKey(tx, "ws_b");
    });
    const a = await ring.forWorkspace(database.db, "ws_a");
    const b = await ring.forWorkspace(database.db, "ws_b");
    const sealed = encryptField(a, "ws_a", "+14155550100");
    expect(sealed).not.toContain("4155550100");
    expect(decryptField(a, "ws_a", sealed)).toBe("+14155550100");
    // A value copied into another workspace does not open there.
    expect(() => decryptField(b, "ws_b", sealed)).toThrow();
    expect(() => decryptField(a, "ws_b", sealed)).toThrow();
    expect(blindIndex(a, "phone", "+14155550100")).toBe(blindIndex(a, "phone", "+14155550100"));
    expect(blindIndex(a, "phone", "+14155550100")).not.toBe(blindIndex(b, "phone", "+14155550100"));

    const next = randomBytes(32);
    const counts = await ring.rotateMaster(database.db, next);
    expect(counts.workspaceKeys).toBe(2);
    // A fresh process with the new master key reads the same data; the old key no longer unwraps anything.
    const fresh = new KeyRing(next);
    expect(decryptField(await fresh.forWorkspace(database.db, "ws_a"), "ws_a", sealed)).toBe("+14155550100");
    await expect(new KeyRing(master).forWorkspace(database.db, "ws_a")).rejects.toThrow();
  });
});
