import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { verifyAuditChain } from "./verify-audit-chain.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

async function makeEvents(apiKey: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: bearer(apiKey),
      payload: { name: `Brand ${i}` },
    });
  }
}

describe("audit log", () => {
  it("records every change with actor, action, target and request id, filterable and exportable", async () => {
    const ws = await s.workspace();
    const r = await s.app.inject({
      method: "POST",
      url: "/v1/brands",
      headers: { ...bearer(ws.apiKey), "x-request-id": "req-abc" },
      payload: { name: "Audited" },
    });
    const brandId = r.json().id;
    const list = await s.app.inject({
      method: "GET",
      url: "/v1/audit-events?action=brand.created",
      headers: bearer(ws.apiKey),
    });
    expect(list.statusCode).toBe(200);
    const ev = list.json().data.find((e: { target: { id: string } }) => e.target.id === brandId);
    expect(ev).toMatchObject({
      action: "brand.created",
      actor: { type: "api_key" },
      requestId: "req-abc",
      target: { type: "brand" },
    });
    const prefix = await s.app.inject({
      method: "GET",
      url: "/v1/audit-events?action=api_key.*",
      headers: bearer(ws.apiKey),
    });
    expect(prefix.json().data.length).toBeGreaterThan(0);
    expect(prefix.json().data.every((e: { action: string }) => e.action.startsWith("api_key."))).toBe(true);

    const csv = await s.app.inject({
      method: "GET",
      url: "/v1/audit-events/export?format=csv",
      headers: bearer(ws.apiKey),
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body.split("\r\n")[0]).toBe(
      "id,seq,at,actorType,actorId,action,targetType,targetId,requestId,details,hash",
    );
    expect(csv.body).toContain(brandId);
    const json = await s.app.inject({
      method: "GET",
      url: "/v1/audit-events/export",
      headers: bearer(ws.apiKey),
    });
    expect(json.json().events.length).toBe(csv.body.trim().split("\r\n").length - 1);
  });

  it("paginates newest first", async () => {
    const ws = await s.workspace();
    await makeEvents(ws.apiKey, 5);
    const p1 = await s.app.inject({
      method: "GET",
      url: "/v1/audit-events?limit=3",
      headers: bearer(ws.apiKey),
    });
    const p2 = await s.app.inject({
      method: "GET",
      url: `/v1/audit-events?limit=3&cursor=${p1.json().nextCursor}`,
      headers: bearer(ws.apiKey),
    });
    const seqs = [...p1.json().data, ...p2.json().data].map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("refuses UPDATE and DELETE on the log", async () => {
    const ws = await s.workspace();
    await expect(
      s.database.query("update audit_log set action = 'x' where workspace_id = $1", [ws.workspaceId]),
    ).rejects.toThrow(/append-only/);
    await expect(
      s.database.query("delete from audit_log where workspace_id = $1", [ws.workspaceId]),
    ).rejects.toThrow(/append-only/);
  });

  it("verify reports the first broken link when a row is altered or removed", async () => {
    const ws = await s.workspace();
    await makeEvents(ws.apiKey, 4);
    expect((await verifyAuditChain(s.ctx.db, { workspaceId: ws.workspaceId })).ok).toBe(true);
    // An attacker with owner rights disables the trigger and edits history.
    const original = (
      await s.database.query<{ action: string }>(
        "select action from audit_log where workspace_id = $1 and seq = 3",
        [ws.workspaceId],
      )
    )[0]?.action;
    await s.database.exec("alter table audit_log disable trigger append_only");
    try {
      await s.database.query(
        "update audit_log set action = 'brand.deleted' where workspace_id = $1 and seq = 3",
        [ws.workspaceId],
      );
      const altered = await verifyAuditChain(s.ctx.db, { workspaceId: ws.workspaceId });
      expect(altered.ok).toBe(false);
      expect(altered.breaks[0]).toMatchObject({
        workspaceId: ws.workspaceId,
        seq: 3,
        reason: "hash_mismatch",
      });
      await s.database.query("update audit_log set action = $2 where workspace_id = $1 and seq = 3", [
        ws.workspaceId,
        original,
      ]);
      expect((await verifyAuditChain(s.ctx.db, { workspaceId: ws.workspaceId })).ok).toBe(true);
      await s.database.query("delete from audit_log where workspace_id = $1 and seq = 2", [ws.workspaceId]);
      const removed = await verifyAuditChain(s.ctx.db, { workspaceId: ws.workspaceId });
      expect(removed.breaks[0]).toMatchObject({ seq: 2, reason: "missing_row" });
    } finally {
      await s.database.exec("alter table audit_log enable trigger append_only");
    }
    const viaApi = await s.app.inject({
      method: "GET",
      url: "/v1/audit-events/verify",
      headers: bearer(ws.apiKey),
    });
    expect(viaApi.json().ok).toBe(false);
  });

  it("never shows another workspace's events", async () => {
    const a = await s.workspace("A");
    const b = await s.workspace("B");
    const list = await s.app.inject({
      method: "GET",
      url: "/v1/audit-events?limit=1000",
      headers: bearer(b.apiKey),
    });
    const targets = list.json().data.map((e: { target: { id: string } }) => e.target.id);
    expect(targets).not.toContain(a.brandId);
    expect(targets).toContain(b.brandId);
  });
});
