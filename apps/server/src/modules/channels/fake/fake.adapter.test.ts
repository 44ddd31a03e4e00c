import { describe, expect, it } from "vitest";
import { createAdapter } from "../registry.js";
import { catchChannelError, signSandboxWebhook } from "../testing/index.js";
import { createFakeAdapter } from "./fake.adapter.js";
import { createFakeRecorder } from "./fake-recorder.js";

const now = new Date("2025-06-18T10:00:00Z");

describe("fake adapter", () => {
  it("records sends in a shared recorder across fresh adapters", async () => {
    const recorder = createFakeRecorder();
    const first = await createAdapter("fake", {}, { recorder, clock: () => now }).send({
      messageId: "m1",
      to: "a",
      body: "x",
    });
    await createAdapter("fake", {}, { recorder }).send({ messageId: "m2", to: "b", body: "y" });
    expect(first).toEqual({ providerMessageId: "fake_m1", acceptedAt: now });
    expect(recorder.sent.map((s) => [s.message.messageId, s.providerMessageId])).toEqual([
      ["m1", "fake_m1"],
      ["m2", "fake_m2"],
    ]);
    expect(recorder.sentTo("b")).toHaveLength(1);
  });

  it("deduplicates resends when idempotent (the default)", async () => {
    const recorder = createFakeRecorder();
    const a = await createAdapter("fake", {}, { recorder }).send({ messageId: "m1", to: "a", body: "x" });
    const b = await createAdapter("fake", {}, { recorder }).send({ messageId: "m1", to: "a", body: "x" });
    expect(b).toEqual(a);
    expect(recorder.sent).toHaveLength(1);
    expect(recorder.attempts).toBe(2);
  });

  it("duplicates resends when not idempotent, so tests can catch double sends", async () => {
    const recorder = createFakeRecorder();
    const adapter = createAdapter("fake", { idempotentSends: false }, { recorder });
    expect(adapter.idempotentSends).toBe(false);
    const a = await adapter.send({ messageId: "m1", to: "a", body: "x" });
    const b = await adapter.send({ messageId: "m1", to: "a", body: "x" });
    expect(a.providerMessageId).not.toBe(b.providerMessageId);
    expect(recorder.sent).toHaveLength(2);
  });

  it("fails for scripted recipients, N times, with the given ChannelError", async () => {
    const recorder = createFakeRecorder();
    recorder.failFor("+15550001", { code: "RATE_LIMITED", retryAfterMs: 1000, times: 2 });
    const adapter = createAdapter("fake", {}, { recorder });
    for (let i = 0; i < 2; i += 1) {
      const error = await catchChannelError(() =>
        adapter.send({ messageId: "m", to: "+15550001", body: "x" }),
      );
      expect(error).toMatchObject({ code: "RATE_LIMITED", retryable: true, retryAfterMs: 1000 });
    }
    await expect(adapter.send({ messageId: "m", to: "+15550001", body: "x" })).resolves.toBeDefined();
    await expect(adapter.send({ messageId: "n", to: "+15550002", body: "x" })).resolves.toBeDefined();
    expect(recorder.attempts).toBe(4);
  });

  it("fails from its credentials too, with '*' for everyone", async () => {
    const adapter = createAdapter("fake", { failWith: { "*": { code: "RECIPIENT_BLOCKED" } } });
    const error = await catchChannelError(() => adapter.send({ messageId: "m", to: "x", body: "x" }));
    expect(error).toMatchObject({ code: "RECIPIENT_BLOCKED", retryable: false });
  });

  it("pretends to be the configured channel", () => {
    expect(createAdapter("fake", { channel: "whatsapp" }).channel).toBe("whatsapp");
    expect(createAdapter("fake", undefined).channel).toBe("sandbox");
  });

  it("has a no-op fast path for benchmarks", async () => {
    const adapter = createFakeAdapter();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 50_000 }, (_, i) => adapter.send({ messageId: `m${i}`, to: "x", body: "x" })),
    );
    expect(results[49_999]?.providerMessageId).toBe("fake_m49999");
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("counts without storing when keepMessages is off", async () => {
    const recorder = createFakeRecorder({ keepMessages: false });
    const adapter = createAdapter("fake", {}, { recorder });
    await adapter.send({ messageId: "m", to: "x", body: "x" });
    expect(recorder.attempts).toBe(1);
    expect(recorder.sent).toHaveLength(0);
  });

  it("simulates latency", async () => {
    const adapter = createAdapter("fake", { latencyMs: 30 });
    const started = performance.now();
    await adapter.send({ messageId: "m", to: "x", body: "x" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("verifies webhooks only with a secret, using the sandbox scheme", () => {
    const rawBody = Buffer.from(
      JSON.stringify({ events: [{ type: "message", id: "i", from: "a", body: "STOP" }] }),
    );
    const header = signSandboxWebhook({ secret: "fake-secret", rawBody, at: now });
    const input = { rawBody, headers: { "x-assent-signature": header }, url: "http://x" };
    expect(createAdapter("fake", {}, { clock: () => now }).verifyWebhook(input)).toBe(false);
    const adapter = createAdapter("fake", { webhookSecret: "fake-secret" }, { clock: () => now });
    expect(adapter.verifyWebhook(input)).toBe(true);
    expect(adapter.parseWebhook({ rawBody, contentType: "application/json" })).toEqual([
      expect.objectContaining({ kind: "inbound_message", from: "a", body: "STOP" }),
    ]);
  });
});
