import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../../../test/harness.js";
import { createLogger } from "../../core/logger.js";
import { classify } from "../intent/index.js";
import { startFakeChatCompletions, type TFakeChatServer } from "./testing/fake-chat-completions.js";
import {
  contactOf,
  createInboundServer,
  ledger,
  postWebhook,
  signedTwilio,
  type TInboundServer,
  type TInboundWorld,
  twilioInbound,
} from "./testing/inbound-fixture.js";

/**
 * The optional external intent model (ASSENT_INTENT_MODEL_*) on the real inbound path, against a local
 * fake OpenAI-compatible server: asked before the transaction, may upgrade a `none`/uncertain result,
 * never a keyword; timeouts and a server that is down give the local result.
 */
const API_KEY = "sk-fake-intent-0123456789";
const TIMEOUT_MS = 1_000;
let fake: TFakeChatServer;
let s: TInboundServer;
let w: TInboundWorld;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await startFakeChatCompletions();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString("utf8"));
      done();
    },
  });
  s = await createInboundServer({
    env: {
      ASSENT_INTENT_MODEL_URL: fake.baseUrl,
      ASSENT_INTENT_MODEL_NAME: "fake-intent-1",
      ASSENT_INTENT_MODEL_API_KEY: API_KEY,
      ASSENT_INTENT_MODEL_TIMEOUT_MS: String(TIMEOUT_MS),
    },
    logger: createLogger("info", sink),
  });
  w = await s.world("External");
});
afterAll(async () => {
  await fake?.stop();
  await s?.close();
});

/** Open transactions of this database other than the probe's own (Postgres only). */
async function openTransactions(): Promise<number> {
  const found = await s.database.query<{ n: number | string }>(
    `select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
       and state in ('active', 'idle in transaction', 'idle in transaction (aborted)') and xact_start is not null`,
  );
  return Number(found[0]?.n ?? 0);
}

async function receive(from: string, body: string) {
  const m = signedTwilio(w.senders.twilio.id, twilioInbound(from, body));
  const r = await postWebhook(s.app, w.senders.twilio.id, m.body, m.headers);
  expect(r.statusCode).toBe(200);
  const contactId = await contactOf(s, w, "sms", from);
  if (!contactId) throw new Error("no contact");
  const rows = await s.database.query<{
    intent: string;
    intent_source: string;
    intent_matched: string | null;
    action: string;
  }>(
    "select intent, intent_source, intent_matched, action from inbound_messages where contact_id = $1 order by id desc limit 1",
    [contactId],
  );
  return { contactId, row: rows[0] };
}

describe("external intent model on the inbound path", () => {
  it("upgrades an uncertain message to an opt-out, asked before the transaction opens", async () => {
    const text = "I think you have the wrong number";
    const local = classify(text, { channel: "sms", countryHint: "FR" });
    expect(local).toMatchObject({ intent: "none", uncertain: true });
    fake.mode = { kind: "answer", intent: "opt_out", confidence: 0.95 };
    fake.requests.length = 0;
    // While the model is being asked, no inbound transaction may be open. On PGlite (one connection) a
    // query would wait for it, the call would time out and the upgrade below would not happen.
    fake.onRequest = async () => {
      if (testEngine === "postgres") return openTransactions();
      await s.database.query("select 1");
      return 0;
    };
    const { contactId, row } = await receive("+33612345671", text);
    fake.onRequest = undefined;
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      model: "fake-intent-1",
      authorization: `Bearer ${API_KEY}`,
      probe: 0,
    });
    expect(JSON.parse(fake.requests[0]?.userContent ?? "{}")).toEqual({ reply: text });
    expect(row).toMatchObject({
      intent: "opt_out",
      intent_source: "external",
      intent_matched: "openai-compatible:fake-intent-1",
      action: "opted_out",
    });
    const entries = await ledger(s, contactId);
    expect(entries.at(-1)).toMatchObject({ kind: "opt_out", scope: "all", method: "natural_language" });
  });

  it("lets the model answer 'none' without changing a local 'none'", async () => {
    fake.mode = { kind: "answer", intent: "none", confidence: 0.99 };
    fake.requests.length = 0;
    const { row } = await receive("+33612345672", "what time do you open on Sunday?");
    expect(fake.requests).toHaveLength(1);
    expect(row).toMatchObject({ intent: "none", action: "none" });
    expect(row?.intent_source).not.toBe("external");
  });

  it("never overrides a keyword, and does not even ask", async () => {
    fake.mode = { kind: "answer", intent: "none", confidence: 0.99 };
    fake.requests.length = 0;
    const { row } = await receive("+33612345673", "STOP");
    expect(row).toMatchObject({ intent: "opt_out", intent_source: "keyword", action: "opted_out" });
    const start = await receive("+33612345673", "ARRET");
    expect(start.row).toMatchObject({ intent: "opt_out", intent_source: "keyword" });
    expect(fake.requests).toHaveLength(0);
  });

  it("falls back to the local result when the model does not answer in time", async () => {
    fake.mode = { kind: "hang" };
    fake.requests.length = 0;
    const { row } = await receive("+33612345674", "I think you have the wrong number");
    expect(fake.requests).toHaveLength(1);
    // Local result under the default "suppress" policy for an uncertain detection.
    expect(row?.intent_source).not.toBe("external");
    expect(row).toMatchObject({ intent: "none", action: "opted_out" });
  });

  it("falls back to the local result on an HTTP error", async () => {
    fake.mode = { kind: "status", status: 503 };
    const { row } = await receive("+33612345675", "hello, is the shop open?");
    expect(row).toMatchObject({ intent: "none", action: "none" });
    expect(row?.intent_source).not.toBe("external");
  });

  it("falls back to the local result when the model's server is down", async () => {
    await fake.stop();
    const { row } = await receive("+33612345676", "I think you have the wrong number");
    expect(row?.intent_source).not.toBe("external");
    expect(row).toMatchObject({ intent: "none", action: "opted_out" });
    const stop = await receive("+33612345677", "please stop texting me");
    expect(stop.row).toMatchObject({ intent: "opt_out", action: "opted_out" });
  });

  it("logs failures by kind only: never the API key or the message text", () => {
    const all = logLines.join("");
    expect(all).toContain("external intent model enabled");
    expect(all).toContain("external intent model failed");
    expect(all).toMatch(/"failure":"timeout"/);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain("wrong number");
    expect(all).not.toContain("is the shop open");
  });
});
