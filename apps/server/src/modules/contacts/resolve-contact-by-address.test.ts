import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer, type TTestServer } from "../../../test/server.js";
import { rows, withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { getContactAddress } from "./get-contact-address.js";
import { getContactAddresses } from "./get-contact-addresses.js";
import { resolveContactByAddress, type TResolveContactOptions } from "./resolve-contact-by-address.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

async function resolve(workspaceId: string, o: Omit<TResolveContactOptions, "workspaceId">) {
  const keys = await s.ctx.keys.forWorkspace(s.ctx.db, workspaceId);
  return withWorkspaceTx(s.ctx.db, workspaceId, (tx) =>
    resolveContactByAddress(tx, keys, { workspaceId, ...o }),
  );
}

describe("resolveContactByAddress", () => {
  it("creates once, then finds the same contact from any spelling of the number", async () => {
    const ws = await s.workspace();
    expect(
      await resolve(ws.workspaceId, { channel: "sms", address: "+14155552671", create: false }),
    ).toBeNull();
    const a = await resolve(ws.workspaceId, {
      channel: "sms",
      address: "+1 415 555 2671",
      create: true,
      profileName: "Ada",
    });
    expect(a).toMatchObject({ created: true, address: "+14155552671" });
    expect(a?.contactId).toMatch(/^ctc_/);
    const b = await resolve(ws.workspaceId, { channel: "sms", address: "+14155552671", create: true });
    expect(b).toEqual({ contactId: a?.contactId, created: false, address: "+14155552671" });
    const audit = await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      rows<{ action: string }>(
        tx,
        sql`select action from audit_log where workspace_id = ${ws.workspaceId} and target_id = ${a?.contactId ?? ""}`,
      ),
    );
    expect(audit.map((r) => r.action)).toEqual(["contact.created"]);
  });

  it("stores addresses and names sealed, never in plaintext", async () => {
    const ws = await s.workspace();
    const r = await resolve(ws.workspaceId, {
      channel: "whatsapp",
      address: "14155550199",
      create: true,
      profileName: "Grace Hopper",
    });
    const raw = await withSystemTx(s.ctx.db, async (tx) => {
      const c = await rows<Record<string, unknown>>(
        tx,
        sql`select * from contacts where id = ${r?.contactId ?? ""}`,
      );
      const i = await rows<Record<string, unknown>>(
        tx,
        sql`select * from contact_identities where contact_id = ${r?.contactId ?? ""}`,
      );
      return JSON.stringify([c, i]);
    });
    expect(raw).not.toContain("4155550199");
    expect(raw).not.toContain("Grace");
    expect(raw).toContain('"country":"US"');
  });

  it("joins one phone number across sms, whatsapp and voice, but not sandbox", async () => {
    const ws = await s.workspace();
    const wa = await resolve(ws.workspaceId, { channel: "whatsapp", address: "33612345678", create: true });
    // Found without creating anything on the sms channel.
    const smsFound = await resolve(ws.workspaceId, {
      channel: "sms",
      address: "+33612345678",
      create: false,
    });
    expect(smsFound?.contactId).toBe(wa?.contactId);
    const sms = await resolve(ws.workspaceId, { channel: "sms", address: "+33 6 12 34 56 78", create: true });
    expect(sms).toMatchObject({ contactId: wa?.contactId, created: false });
    const sandbox = await resolve(ws.workspaceId, {
      channel: "sandbox",
      address: "+33612345678",
      create: true,
    });
    expect(sandbox?.created).toBe(true);
    expect(sandbox?.contactId).not.toBe(wa?.contactId);
    const keys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
    const identities = await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      rows<{ channel: string }>(
        tx,
        sql`select channel from contact_identities where contact_id = ${wa?.contactId ?? ""} order by channel`,
      ),
    );
    expect(identities.map((i) => i.channel)).toEqual(["sms", "whatsapp"]);
    await withWorkspaceTx(s.ctx.db, ws.workspaceId, async (tx) => {
      const id = wa?.contactId ?? "";
      expect(
        await getContactAddress(tx, keys, { workspaceId: ws.workspaceId, contactId: id, channel: "voice" }),
      ).toBe("+33612345678");
      expect(
        await getContactAddress(tx, keys, {
          workspaceId: ws.workspaceId,
          contactId: id,
          channel: "telegram",
        }),
      ).toBeNull();
    });
  });

  it("keeps workspaces apart: the same number is two contacts, invisible to each other", async () => {
    const a = await s.workspace("A");
    const b = await s.workspace("B");
    const inA = await resolve(a.workspaceId, { channel: "sms", address: "+447911123456", create: true });
    expect(
      await resolve(b.workspaceId, { channel: "sms", address: "+447911123456", create: false }),
    ).toBeNull();
    const inB = await resolve(b.workspaceId, { channel: "sms", address: "+447911123456", create: true });
    expect(inB?.contactId).not.toBe(inA?.contactId);
    const keysB = await s.ctx.keys.forWorkspace(s.ctx.db, b.workspaceId);
    const leaked = await withWorkspaceTx(s.ctx.db, b.workspaceId, (tx) =>
      getContactAddresses(tx, keysB, {
        workspaceId: b.workspaceId,
        contactIds: [inA?.contactId ?? ""],
        channel: "sms",
      }),
    );
    expect(leaked.size).toBe(0);
  });

  it("answers a batch of addresses for the dispatcher, preferring the channel's own identity", async () => {
    const ws = await s.workspace();
    const keys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await resolve(ws.workspaceId, {
        channel: "telegram",
        address: String(1000 + i),
        create: true,
      });
      ids.push(r?.contactId ?? "");
    }
    const phone = await resolve(ws.workspaceId, { channel: "sms", address: "+14155550100", create: true });
    const map = await withSystemTx(s.ctx.db, (tx) =>
      getContactAddresses(tx, keys, {
        workspaceId: ws.workspaceId,
        contactIds: [...ids, phone?.contactId ?? "", "ctc_missing"],
        channel: "telegram",
      }),
    );
    expect([...map.values()].sort()).toEqual(["1000", "1001", "1002", "1003", "1004"]);
    const wa = await withSystemTx(s.ctx.db, (tx) =>
      getContactAddresses(tx, keys, {
        workspaceId: ws.workspaceId,
        contactIds: [phone?.contactId ?? ""],
        channel: "whatsapp",
      }),
    );
    expect(wa.get(phone?.contactId ?? "")).toBe("+14155550100");
  });

  it("names the caller's field on a bad address and writes nothing", async () => {
    const ws = await s.workspace();
    await expect(
      resolve(ws.workspaceId, { channel: "sms", address: "call me", create: true, field: "to" }),
    ).rejects.toMatchObject({
      code: "invalid_address",
      field: "to",
    });
    await expect(
      resolve(ws.workspaceId, { channel: "sms", address: "x", create: true }),
    ).rejects.toBeInstanceOf(AppError);
    const n = await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      rows<{ n: number }>(tx, sql`select count(*)::int as n from contacts`),
    );
    expect(n[0]?.n).toBe(0);
  });

  it("makes one contact when many first messages from a number arrive at once", async () => {
    const ws = await s.workspace();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        resolve(ws.workspaceId, {
          channel: i % 2 === 0 ? "sms" : "whatsapp",
          address: "+12125550123",
          create: true,
        }),
      ),
    );
    expect(new Set(results.map((r) => r?.contactId)).size).toBe(1);
    expect(results.filter((r) => r?.created)).toHaveLength(1);
    const n = await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_identities`),
    );
    expect(n[0]?.n).toBe(2);
  });
});
