import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { buildWhatsAppTextWebhook } from "../channels/testing/index.js";
import { createChannelAccount } from "../messaging/index.js";
import {
  contactOf,
  createInboundServer,
  creds,
  dedupeIndex,
  ledger,
  postWebhook,
  signedMeta,
  type TInboundServer,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
beforeAll(async () => {
  s = await createInboundServer();
});
afterAll(async () => s?.close());

describe("a disabled sender's number", () => {
  it("still records a STOP that arrives through the Meta app's shared callback URL", async () => {
    const w = await s.world("Disabled sibling");
    const sibling = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
      createChannelAccount(tx, w.keys, {
        workspaceId: w.ws.workspaceId,
        actor: { type: "system", id: null },
        input: {
          brandId: w.ws.brandId,
          channel: "whatsapp",
          providerId: "whatsapp-cloud",
          name: "old number",
          credentials: { ...creds.whatsapp, phoneNumberId: "106540352243111" },
        },
      }),
    );
    const off = await s.app.inject({
      method: "DELETE",
      url: `/v1/channel-accounts/${sibling.account.id}`,
      headers: { authorization: `Bearer ${w.ws.apiKey}` },
    });
    expect(off.statusCode).toBeLessThan(300);
    const m = signedMeta(
      creds.whatsapp.appSecret,
      buildWhatsAppTextWebhook({
        phoneNumberId: "106540352243111",
        from: "33612340091",
        id: "wamid.disabled-sibling",
        body: "STOP",
      }),
    );
    // Posted to the active sender's URL, as Meta posts every number of the app to one callback URL.
    const r = await postWebhook(s.app, w.senders.whatsapp.id, m.body, m.headers);
    expect(r.statusCode).toBe(200);
    const contactId = (await contactOf(s, w, "whatsapp", "+33612340091")) ?? "";
    expect(contactId).not.toBe("");
    expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toHaveLength(1);
    const stored = await s.database.query<{ channel_account_id: string }>(
      "select channel_account_id from inbound_messages where dedupe_index = $1",
      [dedupeIndex(w, "wamid.disabled-sibling")],
    );
    expect(stored).toEqual([{ channel_account_id: sibling.account.id }]);
  });
});
