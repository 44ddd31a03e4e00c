import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { buildWhatsAppPreferenceWebhook, buildWhatsAppTextWebhook } from "../channels/testing/index.js";
import { recordConsent } from "../consent/index.js";
import {
  contactOf,
  createInboundServer,
  creds,
  dedupeIndex,
  postWebhook,
  signedMeta,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
let w: TInboundWorld;
beforeAll(async () => {
  s = await createInboundServer();
  w = await s.world("Late deliveries");
});
afterAll(async () => s?.close());

function preference(waId: string, value: "stop" | "resume", at: Date) {
  return signedMeta(
    creds.whatsapp.appSecret,
    buildWhatsAppPreferenceWebhook({ phoneNumberId: creds.whatsapp.phoneNumberId, waId, value, at }),
  );
}

async function post(m: { body: string; headers: Record<string, string> }): Promise<void> {
  expect((await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers)).statusCode).toBe(200);
}

async function suppression(contactId: string) {
  const r = await s.database.query<{ all: string | null; marketing: string | null }>(
    `select opt_out_all_entry_id as "all", opt_out_marketing_entry_id as marketing
       from consent_suppressions where contact_id = $1 and brand_id = $2`,
    [contactId, w.ws.brandId],
  );
  return r[0];
}

describe("consent signals delivered out of order", () => {
  it("a WhatsApp 'resume' sent before the newest 'stop' but delivered after it lifts nothing", async () => {
    const now = Date.now();
    await post(preference("33612348001", "stop", new Date(now - 120_000)));
    await post(preference("33612348001", "stop", new Date(now)));
    await post(preference("33612348001", "resume", new Date(now - 60_000)));
    const contactId = (await contactOf(s, w, "whatsapp", "+33612348001")) ?? "";
    expect((await suppression(contactId))?.marketing).not.toBeNull();
    // A resume sent after the stop lifts it.
    await post(preference("33612348001", "resume", new Date(now + 1_000)));
    expect((await suppression(contactId))?.marketing).toBeNull();
  });

  it("a typed START sent before the newest STOP but delivered after it lifts nothing", async () => {
    const now = Date.now();
    const typed = (id: string, body: string, at: Date) =>
      signedMeta(
        creds.whatsapp.appSecret,
        buildWhatsAppTextWebhook({
          phoneNumberId: creds.whatsapp.phoneNumberId,
          from: "33612348002",
          id,
          body,
          at,
        }),
      );
    await post(typed("wamid.late-1", "STOP", new Date(now - 300_000)));
    await post(typed("wamid.late-2", "STOP", new Date(now)));
    await post(typed("wamid.late-3", "START", new Date(now - 120_000)));
    const contactId = (await contactOf(s, w, "whatsapp", "+33612348002")) ?? "";
    expect((await suppression(contactId))?.all).not.toBeNull();
    const stored = await s.database.query<{ action: string }>(
      "select action from inbound_messages where dedupe_index = $1",
      [dedupeIndex(w, "wamid.late-3")],
    );
    expect(stored).toEqual([{ action: "opt_in_noop" }]);
    await post(typed("wamid.late-4", "START", new Date(now + 1_000)));
    expect((await suppression(contactId))?.all).toBeNull();
  });

  it("a late YES confirms no double opt-in; a YES sent after the STOP does", async () => {
    const now = Date.now();
    const typed = (id: string, body: string, at: Date) =>
      signedMeta(
        creds.whatsapp.appSecret,
        buildWhatsAppTextWebhook({
          phoneNumberId: creds.whatsapp.phoneNumberId,
          from: "33612348003",
          id,
          body,
          at,
        }),
      );
    await post(typed("wamid.doi-0", "Hello", new Date(now - 600_000)));
    const contactId = (await contactOf(s, w, "whatsapp", "+33612348003")) ?? "";
    const grant = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
      recordConsent(tx, w.keys, {
        workspaceId: w.ws.workspaceId,
        contactId,
        brandId: w.ws.brandId,
        category: "marketing",
        channels: ["whatsapp"],
        evidence: {
          method: "web_form",
          source: "signup form",
          wording: "Reply YES to confirm, STOP to stop.",
        },
        doubleOptIn: { windowHours: 48 },
        actor: { type: "api_key", id: "key_test" },
      }),
    );
    const status = async () =>
      (
        await s.database.query<{ status: string }>("select status from consent_grants where id = $1", [
          grant.id,
        ])
      )[0]?.status;
    await post(typed("wamid.doi-1", "STOP", new Date(now)));
    await post(typed("wamid.doi-2", "YES", new Date(now - 60_000)));
    expect(await status()).toBe("pending");
    await post(typed("wamid.doi-3", "YES", new Date(now + 1_000)));
    expect(await status()).toBe("active");
  });
});
