import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  providerIds,
  type TChannelAdapter,
  type TNormalizedEvent,
  type TProviderId,
} from "./channel-adapter.js";
import { ChannelError } from "./channel-error.js";
import { createAdapter } from "./registry.js";
import { twilioFormBody } from "./testing/index.js";

/**
 * Robustness properties every adapter must keep, whatever bytes a caller (or an attacker) sends:
 * parseWebhook returns events or throws ChannelError INVALID_PAYLOAD, nothing else; verifyWebhook
 * returns a boolean and never throws; verifyHandshake never accepts a wrong token.
 */

const credentials: Record<TProviderId, unknown> = {
  "whatsapp-cloud": {
    phoneNumberId: "106540352242922",
    accessToken: "t",
    appSecret: "app-secret",
    verifyToken: "verify",
  },
  twilio: { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "auth-token", from: "+15017250604" },
  "telegram-bot": { botToken: "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", webhookSecret: "secret" },
  instagram: { igId: "17841405793187218", accessToken: "t", appSecret: "app-secret", verifyToken: "verify" },
  sandbox: { webhookSecret: "0123456789abcdef" },
  fake: { webhookSecret: "fake-secret" },
};

const fixtureFolder: Record<TProviderId, string> = {
  "whatsapp-cloud": "whatsapp-cloud",
  twilio: "twilio",
  "telegram-bot": "telegram-bot",
  instagram: "instagram",
  sandbox: "sandbox",
  fake: "sandbox",
};

const contentTypes: Record<TProviderId, string> = {
  "whatsapp-cloud": "application/json",
  twilio: "application/x-www-form-urlencoded",
  "telegram-bot": "application/json",
  instagram: "application/json",
  sandbox: "application/json",
  fake: "application/json",
};

const signatureHeaders = [
  "x-hub-signature-256",
  "x-twilio-signature",
  "x-telegram-bot-api-secret-token",
  "x-assent-signature",
];

function fixtures(providerId: TProviderId): unknown[] {
  const folder = new URL(`./${fixtureFolder[providerId]}/fixtures/`, import.meta.url);
  return readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(new URL(name, folder), "utf8")) as unknown);
}

type TPath = (string | number)[];

function paths(value: unknown, prefix: TPath = []): TPath[] {
  const result: TPath[] = [prefix];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) result.push(...paths(item, [...prefix, index]));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) result.push(...paths(item, [...prefix, key]));
  }
  return result;
}

/** Replaces (or deletes, when `replacement` is undefined) the value at `path` in a deep copy. */
function mutate(value: unknown, path: TPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value) && typeof head === "number") {
    const copy = [...value];
    if (rest.length === 0 && replacement === undefined) copy.splice(head, 1);
    else copy[head] = mutate(copy[head], rest, replacement);
    return copy;
  }
  if (typeof value === "object" && value !== null && typeof head === "string") {
    const copy: Record<string, unknown> = { ...value };
    if (rest.length === 0 && replacement === undefined) delete copy[head];
    else copy[head] = mutate(copy[head], rest, replacement);
    return copy;
  }
  return value;
}

function encode(providerId: TProviderId, value: unknown): Buffer {
  if (providerId !== "twilio") return Buffer.from(JSON.stringify(value) ?? "null", "utf8");
  const params: Record<string, string> = {};
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value))
      params[key] = typeof item === "string" ? item : (JSON.stringify(item) ?? "");
  }
  return Buffer.from(twilioFormBody(params), "utf8");
}

const kinds = new Set([
  "inbound_message",
  "status",
  "preference",
  "blocked",
  "unblocked",
  "business_connection",
]);

function checkEvents(events: TNormalizedEvent[]): void {
  expect(Array.isArray(events)).toBe(true);
  for (const event of events) {
    expect(kinds.has(event.kind)).toBe(true);
    expect(typeof event.dedupeKey).toBe("string");
    expect(event.dedupeKey.length).toBeGreaterThan(0);
    const date = event.kind === "inbound_message" ? event.receivedAt : event.at;
    expect(Number.isNaN(date.getTime())).toBe(false);
  }
}

/** parseWebhook either returns well-formed events or throws ChannelError INVALID_PAYLOAD. */
function parseOutcome(adapter: TChannelAdapter, rawBody: Buffer, contentType: string): void {
  let events: TNormalizedEvent[];
  try {
    events = adapter.parseWebhook({ rawBody, contentType });
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelError).code).toBe("INVALID_PAYLOAD");
    return;
  }
  checkEvents(events);
}

const runs = { numRuns: 150 };

describe.each(providerIds)("%s adapter robustness", (providerId) => {
  const adapter = createAdapter(providerId, credentials[providerId], {
    clock: () => new Date("2025-06-18T10:00:00Z"),
  });
  const contentType = contentTypes[providerId];
  const samples = fixtures(providerId);

  it("parses every fixture", () => {
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples)
      checkEvents(adapter.parseWebhook({ rawBody: encode(providerId, sample), contentType }));
  });

  it("parseWebhook: random bytes → events or INVALID_PAYLOAD", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 40 }), (bytes, type) => {
        parseOutcome(adapter, Buffer.from(bytes), type);
        parseOutcome(adapter, Buffer.from(bytes), contentType);
      }),
      runs,
    );
  });

  it("parseWebhook: random JSON → events or INVALID_PAYLOAD", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        parseOutcome(adapter, Buffer.from(JSON.stringify(value) ?? "null"), contentType);
        parseOutcome(adapter, encode(providerId, value), contentType);
      }),
      runs,
    );
  });

  it("parseWebhook: fixtures with one field replaced or removed → events or INVALID_PAYLOAD", () => {
    const candidates = samples.flatMap((sample) => paths(sample).map((path) => ({ sample, path })));
    fc.assert(
      fc.property(
        fc.constantFrom(...candidates),
        fc.oneof(
          fc.constant(undefined),
          fc.jsonValue({ maxDepth: 2 }),
          fc.string(),
          fc.integer(),
          fc.maxSafeInteger(),
          fc.double(),
        ),
        ({ sample, path }, replacement) => {
          parseOutcome(adapter, encode(providerId, mutate(sample, path, replacement)), contentType);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("verifyWebhook: random bodies, headers and URLs → false, never a throw", () => {
    const headerValue = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
      fc.constant(undefined),
      fc.stringMatching(/^sha256=[0-9a-f]{64}$/),
      fc.stringMatching(/^t=\d{10},v1=[0-9a-f]{64}$/),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }),
        fc.record(Object.fromEntries(signatureHeaders.map((name) => [name, headerValue]))),
        fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
        fc.oneof(fc.webUrl({ withQueryParameters: true }), fc.string({ maxLength: 60 })),
        (bytes, signatures, extra, url) => {
          const result = adapter.verifyWebhook({
            rawBody: Buffer.from(bytes),
            headers: { ...extra, ...signatures },
            url,
          });
          expect(result).toBe(false);
        },
      ),
      runs,
    );
  });

  it("verifyHandshake: never accepts a wrong token", () => {
    if (adapter.verifyHandshake === undefined) return;
    const handshake = adapter.verifyHandshake;
    fc.assert(
      fc.property(
        fc.record({
          "hub.mode": fc.oneof(fc.constant("subscribe"), fc.string()),
          "hub.verify_token": fc.string().filter((token) => token !== "verify"),
          "hub.challenge": fc.string(),
        }),
        (query) => {
          expect(handshake(query)).toEqual({ ok: false });
        },
      ),
      runs,
    );
  });
});
