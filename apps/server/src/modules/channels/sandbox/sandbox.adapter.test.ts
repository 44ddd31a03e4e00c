import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createAdapter } from "../registry.js";
import { catchChannelError, signSandboxWebhook } from "../testing/index.js";

const webhookSecret = "sandbox-secret-0123456789";
const now = new Date("2025-06-18T10:00:00Z");
const rawBody = readFileSync(new URL("./fixtures/events.json", import.meta.url));

describe("sandbox adapter", () => {
  const adapter = () => createAdapter("sandbox", { webhookSecret }, { clock: () => now });

  it("accepts at once with a deterministic id, so resends cannot duplicate", async () => {
    const sandbox = adapter();
    expect(sandbox).toMatchObject({ providerId: "sandbox", channel: "sandbox", idempotentSends: true });
    const first = await sandbox.send({ messageId: "msg_1", to: "+15558675310", body: "hi" });
    const again = await adapter().send({ messageId: "msg_1", to: "+15558675310", body: "hi" });
    expect(first).toEqual({ providerMessageId: "sbx_msg_1", acceptedAt: now });
    expect(again.providerMessageId).toBe(first.providerMessageId);
  });

  it("still validates the outbound message", async () => {
    const error = await catchChannelError(() => adapter().send({ messageId: "", to: "+1", body: "x" }));
    expect(error.code).toBe("INVALID_PAYLOAD");
  });

  describe("X-Assent-Signature", () => {
    const header = signSandboxWebhook({ secret: webhookSecret, rawBody, at: now });
    const verify = (body: Buffer, headers: Record<string, string>) =>
      adapter().verifyWebhook({
        rawBody: body,
        headers,
        url: "https://assent.example/webhooks/sandbox/acc_1",
      });

    it("has the documented t=…,v1=… form and verifies", () => {
      expect(header).toMatch(/^t=1750240800,v1=[0-9a-f]{64}$/);
      expect(verify(rawBody, { "x-assent-signature": header })).toBe(true);
    });

    it("rejects a flipped byte, another secret, a missing header and a stale timestamp", () => {
      const tampered = Buffer.from(rawBody);
      tampered[10] = (tampered[10] ?? 0) ^ 0x01;
      expect(verify(tampered, { "x-assent-signature": header })).toBe(false);
      const other = signSandboxWebhook({ secret: "another-secret-0123456789", rawBody, at: now });
      expect(verify(rawBody, { "x-assent-signature": other })).toBe(false);
      expect(verify(rawBody, {})).toBe(false);
      const stale = signSandboxWebhook({
        secret: webhookSecret,
        rawBody,
        at: new Date(now.getTime() - 6 * 60_000),
      });
      expect(verify(rawBody, { "x-assent-signature": stale })).toBe(false);
      const [, digest] = header.split(",v1=");
      expect(verify(rawBody, { "x-assent-signature": `t=1750240801,v1=${digest}` })).toBe(false);
    });
  });

  it("parses simulated messages, statuses, preferences and blocks", () => {
    const events = adapter().parseWebhook({ rawBody, contentType: "application/json" });
    expect(events).toEqual([
      {
        kind: "inbound_message",
        dedupeKey: "sbx_in_1",
        providerMessageId: "sbx_in_1",
        from: "+15558675310",
        to: "sandbox",
        body: "STOP",
        receivedAt: new Date("2025-06-18T10:00:00Z"),
      },
      {
        kind: "status",
        dedupeKey: "sbx_msg_01JY0Q4M3S:delivered",
        providerMessageId: "sbx_msg_01JY0Q4M3S",
        status: "delivered",
        at: new Date("2025-06-18T10:00:01Z"),
      },
      {
        kind: "status",
        dedupeKey: "sbx_msg_01JY0Q4M3T:failed",
        providerMessageId: "sbx_msg_01JY0Q4M3T",
        status: "failed",
        at: now,
        errorCode: "SANDBOX_FAIL",
        errorMessage: "simulated failure",
      },
      {
        kind: "preference",
        dedupeKey: `preference:+15558675310:stop:${Date.parse("2025-06-18T10:00:02Z")}`,
        from: "+15558675310",
        category: "marketing",
        value: "stop",
        at: new Date("2025-06-18T10:00:02Z"),
      },
      {
        kind: "blocked",
        dedupeKey: `blocked:+15558675311:${Date.parse("2025-06-18T10:00:03Z")}`,
        from: "+15558675311",
        at: new Date("2025-06-18T10:00:03Z"),
      },
    ]);
  });

  it("throws INVALID_PAYLOAD for an unknown event type", async () => {
    const body = Buffer.from(JSON.stringify({ events: [{ type: "call", from: "+1" }] }));
    const error = await catchChannelError(() =>
      adapter().parseWebhook({ rawBody: body, contentType: "application/json" }),
    );
    expect(error.code).toBe("INVALID_PAYLOAD");
  });
});
