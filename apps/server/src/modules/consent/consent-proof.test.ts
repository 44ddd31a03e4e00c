import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { withSystemTx, withWorkspaceTx } from "../../core/db/tx.js";
import { createApiKey } from "../auth/index.js";
import { createBrand } from "../workspaces/index.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

const sha256 = (v: string) => createHash("sha256").update(v, "utf8").digest("hex");
const wording = `Yes, text me offers from "Acme" <script>alert('x')</script> & more. Reply STOP to stop.`;

describe("GET /v1/contacts/{id}/consent-proof", () => {
  it("is a self-contained HTML document with every entry, its evidence and hashes, all escaped", async () => {
    const ws = await s.workspace("Acme <b>Holdings</b> & Co");
    const h = bearer(ws.apiKey);
    const get = (url: string, headers = h) => s.app.inject({ method: "GET", url, headers });
    const grant = await s.app.inject({
      method: "POST",
      url: "/v1/consents",
      headers: h,
      payload: {
        contact: { channel: "sms", address: "+33 6 55 44 33 22" },
        brandId: ws.brandId,
        channels: ["sms", "whatsapp"],
        effectiveAt: "2025-03-01T10:00:00Z",
        evidence: {
          method: "web_form",
          source: `https://acme.test/signup?"><img src=x onerror=alert(1)>`,
          wording,
          wordingVersion: "2025-02",
          ip: "198.51.100.7",
          userAgent: "Mozilla/5.0 <script>",
        },
      },
    });
    expect(grant.statusCode).toBe(201);
    const { id: grantId, contactId } = grant.json();
    const out = await s.app.inject({
      method: "POST",
      url: `/v1/contacts/${contactId}/opt-out`,
      headers: h,
      payload: { brandId: ws.brandId, channel: "whatsapp", scope: "marketing" },
    });
    expect(out.statusCode).toBe(201);
    const ledger = (await get(`/v1/contacts/${contactId}/consent/ledger`)).json().data;
    expect(ledger).toHaveLength(2);

    const doc = await get(`/v1/contacts/${contactId}/consent-proof?format=html`);
    expect(doc.statusCode).toBe(200);
    expect(doc.headers["content-type"]).toBe("text/html; charset=utf-8");
    const html = doc.body;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<title>Consent proof · contact ${contactId}</title>`);
    // Self-contained: no script, no external resource.
    expect(html).not.toMatch(/<(script|img|link|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/(href|src)="?https?:/i);
    expect(html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(html).toContain("Acme &lt;b&gt;Holdings&lt;/b&gt; &amp; Co");
    expect(html).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain(sha256(wording));
    expect(html).toContain("2025-02");
    expect(html).toContain("2025-03-01T10:00:00.000Z");
    expect(html).toContain(ws.workspaceId);
    expect(html).toContain(ws.brandId);
    for (const e of ledger) {
      expect(html).toContain(e.id);
      expect(html).toContain(e.hash);
      expect(html).toContain(e.prevHash);
    }
    expect(html.indexOf(ledger[0].id)).toBeLessThan(html.indexOf(ledger[1].id));
    expect(html).toContain("Opted out of marketing");
    expect(html).toContain("append-only");
    expect(html).toContain("Chain verified when this document was generated</th><td>yes");
    // Nothing personal but the contact id, unless privacy staff ask for it.
    for (const personal of ["+33655443322", "198.51.100.7", "Mozilla"]) expect(html).not.toContain(personal);
    const full = await get(`/v1/contacts/${contactId}/consent-proof?format=html&includeIdentifiers=true`);
    expect(full.body).toContain("+33655443322");
    expect(full.body).toContain("198.51.100.7");
    expect(full.body).toContain("Mozilla/5.0 &lt;script&gt;");
    const staff = await withSystemTx(s.ctx.db, (tx) =>
      createApiKey(tx, {
        workspaceId: ws.workspaceId,
        name: "auditor",
        scopes: ["consent:read"],
        actor: { type: "system", id: null },
      }),
    );
    const reader = bearer(staff.key);
    expect((await get(`/v1/contacts/${contactId}/consent-proof?format=html`, reader)).statusCode).toBe(200);
    expect(
      (await get(`/v1/contacts/${contactId}/consent-proof?format=html&includeIdentifiers=true`, reader))
        .statusCode,
    ).toBe(403);

    // The JSON form carries what the document says a verifier recomputes.
    const json = (await get(`/v1/contacts/${contactId}/consent-proof`)).json();
    expect(json.contact).toEqual({ id: contactId, identities: [] });
    expect(json.entries[0]).toMatchObject({ id: grantId, wordingSha256: sha256(wording), ip: null });
    for (const e of json.entries) expect(sha256(e.prevHash + e.canonical)).toBe(e.hash);
    expect(JSON.parse(json.entries[0].canonical)[16]).toBe(wording);
    expect((await get(`/v1/contacts/${contactId}/consent-proof?format=csv`)).body).toContain(grantId);
    expect((await get(`/v1/contacts/ctc_nobody/consent-proof?format=html`)).statusCode).toBe(404);
    const unknown = await get(`/v1/contacts/${contactId}/consent-proof?format=html&messageId=msg_nope`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.field).toBe("messageId");
  });

  it("says which opt-out an opt-in lifted", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const post = (url: string, payload: object) => s.app.inject({ method: "POST", url, headers: h, payload });
    const grant = await post("/v1/consents", {
      contact: { channel: "sms", address: "+33 6 55 44 33 23" },
      brandId: ws.brandId,
      channels: ["sms"],
      evidence: { method: "web_form", source: "signup", wording: "Yes to offers" },
    });
    const { contactId } = grant.json();
    for (const scope of ["marketing", "all"]) {
      expect(
        (await post(`/v1/contacts/${contactId}/opt-out`, { brandId: ws.brandId, channel: "sms", scope }))
          .statusCode,
      ).toBe(201);
    }
    for (const scope of ["marketing", "all"]) {
      const lifted = await post(`/v1/contacts/${contactId}/opt-in`, {
        brandId: ws.brandId,
        channel: "sms",
        source: "support ticket",
        scope,
      });
      expect(lifted.json().resubscribed).toBe(true);
    }
    const html = (
      await s.app.inject({
        method: "GET",
        url: `/v1/contacts/${contactId}/consent-proof?format=html`,
        headers: h,
      })
    ).body;
    const sections = html.split('<section class="entry').slice(1);
    expect(sections).toHaveLength(5);
    expect(sections[3]).toContain("Opt-out of marketing lifted (re-subscribed)");
    expect(sections[3]).toContain("<tr><th>Scope</th><td>marketing</td></tr>");
    expect(sections[4]).toContain("Opt-out of everything lifted (re-subscribed)");
    expect(sections[4]).toContain("<tr><th>Scope</th><td>everything, every channel</td></tr>");
  });

  it("shows the decision recorded with a message and marks the entries it rests on", async () => {
    // The messages table is part of every test database: a build without it must fail here, not pass.
    const [table] = await s.database.query<{ ok: boolean }>(
      "select to_regclass('messages') is not null as ok",
    );
    expect(table?.ok).toBe(true);
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const grant = (
      await s.app.inject({
        method: "POST",
        url: "/v1/consents",
        headers: h,
        payload: {
          contact: { channel: "sms", address: "+33655443311" },
          brandId: ws.brandId,
          channels: ["sms"],
          evidence: { method: "web_form", source: "signup", wording: "Yes, offers by SMS." },
        },
      })
    ).json();
    const messageId = "msg_01proofmessage0000000000";
    await s.database.query(
      `insert into messages (id, workspace_id, brand_id, contact_id, channel, channel_account_id, category, source, status,
        accept_status, accept_reason, content_kind, content_sealed, decision_ledger_ids, created_at, updated_at, claimed_at, dispatch_reason)
       values ($1, $2, $3, $4, 'sms', 'chn_x', 'marketing', 'api', 'sent', 'queued', 'consent_granted', 'text', 'v1.x', $5,
        now(), now(), now(), 'consent_granted')`,
      [messageId, ws.workspaceId, ws.brandId, grant.contactId, [grant.id]],
    );
    const doc = await s.app.inject({
      method: "GET",
      url: `/v1/contacts/${grant.contactId}/consent-proof?format=html&messageId=${messageId}`,
      headers: h,
    });
    expect(doc.statusCode).toBe(200);
    expect(doc.body).toContain(`Decision recorded with message ${messageId}`);
    expect(doc.body).toContain(`<section class="entry cited" id="${grant.id}">`);
    expect(doc.body).toContain(`<a href="#${grant.id}">`);
    const json = await s.app.inject({
      method: "GET",
      url: `/v1/contacts/${grant.contactId}/consent-proof?messageId=${messageId}`,
      headers: h,
    });
    expect(json.json().message).toMatchObject({
      messageId,
      status: "sent",
      dispatchReason: "consent_granted",
      ledgerEntryIds: [grant.id],
    });
    // Another contact's message is no message of this one.
    const other = await s.app.inject({
      method: "POST",
      url: "/v1/contacts",
      headers: h,
      payload: { identities: [{ channel: "sms", address: "+33655443300" }] },
    });
    const wrong = await s.app.inject({
      method: "GET",
      url: `/v1/contacts/${other.json().id}/consent-proof?format=html&messageId=${messageId}`,
      headers: h,
    });
    expect(wrong.statusCode).toBe(404);
  });

  it("with brandId, shows no decision of another brand's message: 404 naming messageId", async () => {
    const ws = await s.workspace();
    const h = bearer(ws.apiKey);
    const brandB = await withWorkspaceTx(s.ctx.db, ws.workspaceId, (tx) =>
      createBrand(tx, { workspaceId: ws.workspaceId, name: "Brand B", actor: { type: "system", id: null } }),
    );
    const grantB = (
      await s.app.inject({
        method: "POST",
        url: "/v1/consents",
        headers: h,
        payload: {
          contact: { channel: "sms", address: "+33655443312" },
          brandId: brandB.id,
          channels: ["sms"],
          evidence: { method: "web_form", source: "signup B", wording: "Yes, offers from B." },
        },
      })
    ).json();
    const messageId = "msg_01proofmessageofbrandb00";
    await s.database.query(
      `insert into messages (id, workspace_id, brand_id, contact_id, channel, channel_account_id, category, source, status,
        accept_status, accept_reason, content_kind, content_sealed, decision_ledger_ids, created_at, updated_at, claimed_at, dispatch_reason)
       values ($1, $2, $3, $4, 'sms', 'chn_x', 'marketing', 'api', 'sent', 'queued', 'consent_granted', 'text', 'v1.x', $5,
        now(), now(), now(), 'consent_granted')`,
      [messageId, ws.workspaceId, brandB.id, grantB.contactId, [grantB.id]],
    );
    const proof = (brandId: string, format = "json") =>
      s.app.inject({
        method: "GET",
        url: `/v1/contacts/${grantB.contactId}/consent-proof?format=${format}&brandId=${brandId}&messageId=${messageId}`,
        headers: h,
      });
    for (const format of ["json", "csv", "html"]) {
      const other = await proof(ws.brandId, format);
      expect(other.statusCode).toBe(404);
      expect(other.json().error).toMatchObject({ code: "not_found", field: "messageId" });
      expect(other.body).not.toContain(brandB.id);
      expect(other.body).not.toContain(grantB.id);
    }
    // The message's own brand sees its decision.
    const own = await proof(brandB.id);
    expect(own.statusCode).toBe(200);
    expect(own.json().message).toMatchObject({ messageId, brandId: brandB.id, ledgerEntryIds: [grantB.id] });
  });
});
