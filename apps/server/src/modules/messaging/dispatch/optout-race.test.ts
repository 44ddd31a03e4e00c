import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TTestServer } from "../../../../test/server.js";
import { createAdapter, createFakeRecorder } from "../../channels/index.js";
import { recordConsent } from "../../consent/index.js";
import { resolveContactByAddress } from "../../contacts/index.js";
import { prepareSendWork } from "../prepare-send-work.js";
import { getSendBatcher } from "../send-batcher.js";
import {
  messagingFixture,
  messagingTestServer,
  type TMessagingFixture,
  testActor,
  waitUntil,
} from "../testing/messaging-fixture.js";
import { startDispatcher } from "./start-dispatcher.js";

let s: TTestServer;
let f: TMessagingFixture;
beforeAll(async () => {
  s = await messagingTestServer();
  f = await messagingFixture(s);
});
afterAll(async () => s.close());

const CONTACTS = 100;
const MESSAGES = 10_000;

describe("an opt-out arriving mid-dispatch", () => {
  it("10,000 queued messages: nothing is handed to the channel by a decision taken after the opt-out committed", {
    timeout: 240_000,
  }, async () => {
    const sender = await f.sender({ credentials: { idempotentSends: false } });
    const contacts = await f.tx(async (tx) => {
      const list: { contactId: string; address: string }[] = [];
      for (let n = 0; n < CONTACTS; n++) {
        const c = await resolveContactByAddress(tx, f.keys, {
          workspaceId: f.workspaceId,
          channel: "sandbox",
          address: `+4420796${String(n).padStart(5, "0")}`,
          create: true,
        });
        if (!c) throw new Error("no contact");
        await recordConsent(tx, f.keys, {
          workspaceId: f.workspaceId,
          contactId: c.contactId,
          brandId: f.brandId,
          category: "marketing",
          channels: ["sandbox"],
          evidence: { method: "web_form", source: "signup form", wording: "Yes, send me offers." },
          actor: testActor,
        });
        list.push({ contactId: c.contactId, address: c.address });
      }
      return list;
    });
    const batcher = getSendBatcher(s.ctx);
    const accepted = await Promise.all(
      Array.from({ length: MESSAGES }, (_, n) =>
        batcher.submit(
          prepareSendWork({
            workspaceId: f.workspaceId,
            actor: testActor,
            request: {
              contactId: contacts[n % CONTACTS]?.contactId ?? "",
              channel: "sandbox",
              brandId: f.brandId,
              channelAccountId: sender.id,
              body: `offer ${n}`,
            },
          }),
        ),
      ),
    );
    expect(accepted.every((a) => a.status === "queued")).toBe(true);

    const target = contacts[37];
    if (!target) throw new Error("no target");
    const recorder = createFakeRecorder();
    const handed = new Map<string, { contactId: string; claimedAt: Date }>();
    let optOut: Promise<{ lockedAt: Date; committedAt: Date; ledgerEntryId: string }> | undefined;
    const stop = await startDispatcher(s.ctx, {
      createAdapter: (_account, credentials) => createAdapter("fake", credentials, { recorder }),
      batchSize: 500,
      pollMs: 20,
      recordEveryMs: 5,
      ...(s.database.url ? { listenUrl: s.database.url } : {}),
      onHandOff: (m) => {
        handed.set(m.id, { contactId: m.contactId, claimedAt: m.claimedAt });
        if (handed.size === 3_000 && !optOut) {
          optOut = f
            .optOut(target.contactId)
            .then((r) => ({ lockedAt: r.lockedAt, committedAt: new Date(), ledgerEntryId: r.ledgerEntryId }));
        }
      },
    });
    try {
      await waitUntil(
        async () =>
          (await f.count(sql`channel_account_id = ${sender.id} and status in ('queued', 'sending')`)) === 0 &&
          optOut !== undefined,
        {
          timeoutMs: 120_000,
          everyMs: 200,
          what: "the queue to drain",
        },
      );
    } finally {
      await stop();
    }
    const done = await optOut;
    if (!done) throw new Error("opt-out never ran");

    // Every message to the target that reached the channel was decided before the opt-out took its lock.
    const toTarget = recorder.sent.filter((m) => m.message.to === target.address);
    for (const m of toTarget) {
      const h = handed.get(m.message.messageId);
      expect(h?.contactId).toBe(target.contactId);
      expect(h?.claimedAt.getTime()).toBeLessThanOrEqual(done.lockedAt.getTime());
      expect(h?.claimedAt.getTime()).toBeLessThan(done.committedAt.getTime());
    }
    // The opt-out really landed mid-dispatch: some of the target's messages went before it, the rest were stopped.
    const stopped = await f.count(
      sql`contact_id = ${target.contactId} and status = 'suppressed' and reason = 'opted_out'`,
    );
    expect(toTarget.length).toBeGreaterThan(0);
    expect(stopped).toBeGreaterThan(0);
    expect(toTarget.length + stopped).toBe(MESSAGES / CONTACTS);
    const stoppedRows = await f.rows<{ id: string; decision_ledger_ids: string[] }>(
      sql`select id, decision_ledger_ids from messages where contact_id = ${target.contactId} and status = 'suppressed'`,
    );
    for (const r of stoppedRows) {
      expect(r.decision_ledger_ids).toContain(done.ledgerEntryId);
      expect(handed.has(r.id)).toBe(false);
    }
    // Nothing lost, nothing sent twice.
    expect(new Set(recorder.sent.map((m) => m.message.messageId)).size).toBe(recorder.sent.length);
    expect(recorder.sent.length + stopped).toBe(MESSAGES);
    expect(await f.count(sql`channel_account_id = ${sender.id} and status = 'sent'`)).toBe(
      recorder.sent.length,
    );
  });
});
