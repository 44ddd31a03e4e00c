import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestServer, type TTestServer } from "../../../test/server.js";
import { withSystemTx } from "../../core/db/tx.js";
import { createApiKey } from "../auth/index.js";
import type { TBootstrapResult } from "../workspaces/index.js";
import { confirmLinkToken } from "./confirm-link-token.js";

let s: TTestServer;
beforeAll(async () => {
  s = await createTestServer();
});
afterAll(async () => s.close());

const wording = "Yes, text me offers. Reply STOP to stop.";

async function pending(ws: TBootstrapResult, address: string) {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/consents",
    headers: bearer(ws.apiKey),
    payload: {
      contact: { channel: "sms", address },
      brandId: ws.brandId,
      channels: ["sms"],
      evidence: { method: "web_form", source: "signup", wording },
      doubleOptIn: { windowHours: 24 },
    },
  });
  expect(r.statusCode).toBe(201);
  return r.json() as {
    id: string;
    contactId: string;
    status: string;
    confirmToken: string;
    confirmUrl: string;
  };
}

/** Open the link, then press its page's Confirm button (a form POST of the token), as a person does. */
async function click(url: string, headers: Record<string, string> = {}) {
  const h = { "user-agent": "Mozilla/5.0 (Phone)", ...headers };
  const opened = await s.app.inject({ method: "GET", url, headers: h });
  const token = /name="token" value="([^"]*)"/.exec(opened.body)?.[1];
  if (opened.statusCode !== 200 || token === undefined) return opened;
  expect(opened.body).toContain('<form method="post" action="/v1/consents/confirm">');
  const value = token.replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'");
  return s.app.inject({
    method: "POST",
    url: "/v1/consents/confirm",
    headers: { ...h, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ token: value }).toString(),
  });
}
const entries = async (workspaceId: string) =>
  (
    await s.database.query<{ n: number }>(
      "select count(*)::int as n from consent_ledger where workspace_id = $1",
      [workspaceId],
    )
  )[0]?.n;

describe("double opt-in by signed link", () => {
  it("confirms a pending grant from its link, once, and answers a page", async () => {
    const ws = await s.workspace("Acme <Shop>");
    const g = await pending(ws, "+33677880011");
    expect(g.status).toBe("pending");
    expect(g.confirmUrl).toBe(`/v1/consents/confirm?token=${encodeURIComponent(g.confirmToken)}`);
    const ask = () =>
      s.app.inject({
        method: "POST",
        url: "/v1/consent/check",
        headers: bearer(ws.apiKey),
        payload: { contactId: g.contactId, brandId: ws.brandId, channel: "sms" },
      });
    expect((await ask()).json().reason).toBe("consent_pending");
    // Opening the link (a link preview, a mail scanner) confirms nothing: only the button does.
    const before0 = await entries(ws.workspaceId);
    for (let i = 0; i < 3; i++) {
      const opened = await s.app.inject({ method: "GET", url: g.confirmUrl });
      expect(opened.statusCode).toBe(200);
      expect(opened.body).toContain("Confirm your subscription");
    }
    expect(await entries(ws.workspaceId)).toBe(before0);
    expect((await ask()).json().reason).toBe("consent_pending");
    const page = await click(g.confirmUrl);
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain("Subscription confirmed");
    expect(page.body).toContain("Acme &lt;Shop&gt; brand may now send you");
    const after = await s.app.inject({
      method: "GET",
      url: `/v1/consents/${g.id}`,
      headers: bearer(ws.apiKey),
    });
    expect(after.json()).toMatchObject({ status: "active", standing: "active" });
    expect(after.json()).not.toHaveProperty("confirmToken");
    const ledger = (
      await s.app.inject({
        method: "GET",
        url: `/v1/contacts/${g.contactId}/consent/ledger`,
        headers: bearer(ws.apiKey),
      })
    ).json().data;
    expect(ledger[1]).toMatchObject({
      kind: "confirm",
      refId: g.id,
      method: "link",
      actor: { type: "contact", id: g.contactId },
    });
    const proof = await s.app.inject({
      method: "GET",
      url: `/v1/contacts/${g.contactId}/consent-proof?includeIdentifiers=true`,
      headers: bearer(ws.apiKey),
    });
    expect(proof.json().entries[1]).toMatchObject({ userAgent: "Mozilla/5.0 (Phone)" });
    expect((await ask()).json().reason).toBe("consent_granted");
    // A second click changes nothing.
    const before = await entries(ws.workspaceId);
    expect((await click(g.confirmUrl)).statusCode).toBe(200);
    expect(await entries(ws.workspaceId)).toBe(before);
  });

  it("refuses forged, foreign, malformed and expired links, and a withdrawn grant, changing nothing", async () => {
    const ws = await s.workspace();
    const other = await s.workspace();
    const g = await pending(ws, "+33677880022");
    const foreign = await pending(other, "+33677880033");
    const before = [await entries(ws.workspaceId), await entries(other.workspaceId)];
    const link = (token: string) => `/v1/consents/confirm?token=${encodeURIComponent(token)}`;
    const flipped = g.confirmToken.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    expect((await click(link(flipped))).statusCode).toBe(404);
    // The button's POST checks the token itself.
    const posted = await s.app.inject({
      method: "POST",
      url: "/v1/consents/confirm",
      payload: { token: flipped },
    });
    expect(posted.statusCode).toBe(404);
    // Another workspace's grant under this workspace's name, or this grant under another's.
    const [, , exp, mac] = g.confirmToken.split(".");
    expect((await click(link(`${ws.workspaceId}.${foreign.id}.${exp}.${mac}`))).statusCode).toBe(404);
    expect((await click(link(`${other.workspaceId}.${g.id}.${exp}.${mac}`))).statusCode).toBe(404);
    expect((await click(link(`ws_nobody.${g.id}.${exp}.${mac}`))).statusCode).toBe(404);
    expect((await click(link("nonsense"))).statusCode).toBe(400);
    expect((await click("/v1/consents/confirm")).statusCode).toBe(400);
    const keys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
    const expired = confirmLinkToken.create(keys, {
      workspaceId: ws.workspaceId,
      grantId: g.id,
      expiresAt: new Date(Date.now() - 1000),
    });
    const late = await click(link(expired));
    expect(late.statusCode).toBe(400);
    expect(late.body).toContain("expired");
    expect([await entries(ws.workspaceId), await entries(other.workspaceId)]).toEqual(before);
    const state = await s.app.inject({
      method: "GET",
      url: `/v1/consents/${g.id}`,
      headers: bearer(ws.apiKey),
    });
    expect(state.json().status).toBe("pending");
    const withdrawn = await s.app.inject({
      method: "POST",
      url: `/v1/consents/${g.id}/withdraw`,
      headers: bearer(ws.apiKey),
      payload: {},
    });
    expect(withdrawn.statusCode).toBe(200);
    const count = await entries(ws.workspaceId);
    const refused = await click(g.confirmUrl);
    expect(refused.statusCode).toBe(422);
    expect(refused.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(await entries(ws.workspaceId)).toBe(count);
  });

  it("hands the link only in the answer that created the grant, never to a later reader", async () => {
    const ws = await s.workspace();
    const g = await pending(ws, "+33677880044");
    expect(g.confirmToken).toBeTruthy();
    const staff = await withSystemTx(s.ctx.db, (tx) =>
      createApiKey(tx, {
        workspaceId: ws.workspaceId,
        name: "reader",
        scopes: ["consent:read"],
        actor: { type: "system", id: null },
      }),
    );
    for (const key of [staff.key, ws.apiKey]) {
      const read = await s.app.inject({ method: "GET", url: `/v1/consents/${g.id}`, headers: bearer(key) });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ status: "pending" });
      expect(read.json()).not.toHaveProperty("confirmToken");
      expect(read.json()).not.toHaveProperty("confirmUrl");
    }
  });
});
