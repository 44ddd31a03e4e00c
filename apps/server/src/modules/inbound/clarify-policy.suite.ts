import { beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../../../test/server.js";
import { classify, confirmationText } from "../intent/index.js";
import { expireClarifications } from "./expire-clarifications.js";
import {
  count,
  ledger,
  replies,
  statuses,
  type TInboundServer,
  type TInboundWorld,
} from "./testing/inbound-fixture.js";

let s: TInboundServer;
let w: TInboundWorld;

/** Phrasings the classifier is unsure about; the first one it flags is used (the model may be retrained). */
const candidates = [
  "can you stop",
  "annoying",
  "not interested",
  "wrong number",
  "i don't really want these anymore",
];
const uncertain = candidates.find((t) => classify(t).uncertain);

const simulate = (from: string, body: string) =>
  s.app.inject({
    method: "POST",
    url: "/v1/sandbox/inbound",
    headers: bearer(w.ws.apiKey),
    payload: { brandId: w.ws.brandId, from, body },
  });
const setPolicy = (payload: Record<string, unknown>) =>
  s.app.inject({
    method: "PUT",
    url: `/v1/brands/${w.ws.brandId}/intent-settings`,
    headers: bearer(w.ws.apiKey),
    payload,
  });

async function queueFor(to: string): Promise<string> {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/messages",
    headers: bearer(w.ws.apiKey),
    payload: {
      to,
      channel: "sandbox",
      brandId: w.ws.brandId,
      category: "transactional",
      body: "Your order",
      scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
  });
  expect(r.statusCode).toBe(202);
  return r.json().id;
}

/** Registered by inbound.test.ts, which owns the server (one database for all suites). */
export function clarifyPolicySuite(server: () => TInboundServer): void {
  describe("clarify policy", () => {
    beforeAll(async () => {
      s = server();
      w = await s.world("Acme");
    });
    describe("uncertain opt-out detections", () => {
      it("has an uncertain phrasing to test with", () => {
        expect(uncertain).toBeDefined();
      });

      it("are opt-outs under the default suppress policy", async () => {
        const queued = await queueFor("+15550300001");
        const r = await simulate("+15550300001", uncertain ?? "");
        expect(r.json()).toMatchObject({ action: "opted_out", intent: { uncertain: true } });
        expect((await statuses(s, [queued]))[queued]?.status).toBe("suppressed");
        expect((await ledger(s, r.json().contactId)).filter((e) => e.kind === "opt_out")).toMatchObject([
          { method: "natural_language" },
        ]);
      });

      it("under the clarify policy get one question, nothing suppressed; NO keeps, YES stops", async () => {
        expect((await setPolicy({ uncertainPolicy: "clarify", clarifyTimeoutHours: 2 })).statusCode).toBe(
          200,
        );
        const queued = await queueFor("+15550300002");
        const asked = await simulate("+15550300002", uncertain ?? "");
        expect(asked.json()).toMatchObject({
          action: "clarify_asked",
          ledgerEntryId: null,
          suppressedMessages: 0,
        });
        const contactId = asked.json().contactId;
        const [question] = await replies(s, w, contactId);
        expect(question).toMatchObject({
          kind: "clarify",
          body: confirmationText("clarify", asked.json().intent.language, "Acme brand"),
        });
        expect((await statuses(s, [queued]))[queued]?.status).toBe("scheduled");

        // Another unsure message while the question is open asks nothing more.
        const again = await simulate("+15550300002", uncertain ?? "");
        expect(again.json()).toMatchObject({ action: "clarify_pending", replyMessageId: null });
        expect(await replies(s, w, contactId)).toHaveLength(1);

        // "Do you want to stop our messages?" — "No": everything stays.
        const no = await simulate("+15550300002", "No");
        expect(no.json()).toMatchObject({
          action: "clarify_kept",
          ledgerEntryId: null,
          replyMessageId: null,
        });
        expect(await ledger(s, contactId)).toHaveLength(0);
        expect((await statuses(s, [queued]))[queued]?.status).toBe("scheduled");
        expect(
          await count(
            s,
            "select count(*) as n from inbound_contact_state where contact_id = $1 and clarify_expires_at is not null",
            [contactId],
          ),
        ).toBe(0);

        // A new question once the first is closed; "Yes" then opts out and closes it.
        expect((await simulate("+15550300002", uncertain ?? "")).json().action).toBe("clarify_asked");
        const yes = await simulate("+15550300002", "YES");
        expect(yes.json()).toMatchObject({ action: "opted_out" });
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toMatchObject([
          { scope: "all", method: "natural_language" },
        ]);
        expect((await statuses(s, [queued]))[queued]).toEqual({ status: "suppressed", reason: "opted_out" });
        expect(
          await count(
            s,
            "select count(*) as n from inbound_contact_state where contact_id = $1 and clarify_expires_at is not null",
            [contactId],
          ),
        ).toBe(0);
        // Without an open question, YES is an opt-in keyword again (START-like), not an opt-out.
        const yesAgain = await simulate("+15550300002", "YES");
        expect(yesAgain.json()).toMatchObject({ action: "opted_in" });
      });

      it("STOP PROMO answers the question with a marketing-only opt-out", async () => {
        expect((await setPolicy({ uncertainPolicy: "clarify" })).statusCode).toBe(200);
        const asked = await simulate("+15550300004", uncertain ?? "");
        expect(asked.json().action).toBe("clarify_asked");
        const promo = await simulate("+15550300004", "STOP PROMO");
        expect(promo.json()).toMatchObject({ action: "opted_out_marketing" });
        expect(
          await count(
            s,
            "select count(*) as n from inbound_contact_state where contact_id = $1 and clarify_expires_at is not null",
            [asked.json().contactId],
          ),
        ).toBe(0);
      });

      it("an unanswered question becomes an opt-out at its timeout, without another message", async () => {
        expect((await setPolicy({ uncertainPolicy: "clarify", clarifyTimeoutHours: 2 })).statusCode).toBe(
          200,
        );
        const queued = await queueFor("+15550300003");
        const asked = await simulate("+15550300003", uncertain ?? "");
        expect(asked.json().action).toBe("clarify_asked");
        const contactId = asked.json().contactId;
        expect(await expireClarifications(s.ctx)).toBe(0);
        const later = { ...s.ctx, clock: () => new Date(Date.now() + 2 * 3_600_000 + 60_000) };
        expect(await expireClarifications(later)).toBeGreaterThanOrEqual(1);
        const entries = (await ledger(s, contactId)).filter((e) => e.kind === "opt_out");
        expect(entries).toMatchObject([
          { method: "natural_language", evidence: { messageId: asked.json().inboundMessageId } },
        ]);
        expect((await statuses(s, [queued]))[queued]).toEqual({ status: "suppressed", reason: "opted_out" });
        expect(await replies(s, w, contactId)).toHaveLength(1);
        expect(await expireClarifications(later)).toBe(0);
      });
    });
  });
}
