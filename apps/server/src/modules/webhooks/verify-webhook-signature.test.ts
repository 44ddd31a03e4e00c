import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signWebhook } from "./sign-webhook.js";
import { verifyWebhookSignature } from "./verify-webhook-signature.js";

const secret = "whsec_test_secret";
const body = '{"id":"evt_1","type":"message.sent","data":{}}';
const now = new Date("2030-01-01T00:00:00Z");
const t = Math.floor(now.getTime() / 1000);

describe("verifyWebhookSignature", () => {
  it('accepts the documented scheme: hex HMAC-SHA256(secret, t + "." + raw body)', () => {
    const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(verifyWebhookSignature(secret, `t=${t},v1=${v1}`, body, now)).toBe(true);
    expect(signWebhook([secret], t, body)).toBe(`t=${t},v1=${v1}`);
  });

  it("accepts any of several v1 values, in any order and with spaces", () => {
    const header = signWebhook(["whsec_other", secret], t, body);
    expect(verifyWebhookSignature(secret, header, body, now)).toBe(true);
    const [tPart, a, b] = header.split(",");
    expect(verifyWebhookSignature(secret, ` ${b} , ${a}, ${tPart} `, body, now)).toBe(true);
  });

  it("refuses a changed body, another secret, or a timestamp outside 5 minutes", () => {
    const header = signWebhook([secret], t, body);
    expect(verifyWebhookSignature(secret, header, body.replace("sent", "read"), now)).toBe(false);
    expect(verifyWebhookSignature("whsec_other", header, body, now)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, new Date(now.getTime() + 300_000))).toBe(true);
    expect(verifyWebhookSignature(secret, header, body, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, new Date(now.getTime() - 301_000))).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, new Date(now.getTime() + 3_600_000), 7200)).toBe(
      true,
    );
  });

  it("refuses a signature moved to another timestamp", () => {
    const header = signWebhook([secret], t, body);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, now)).toBe(false);
  });

  it("returns false, never throws, for malformed headers", () => {
    for (const h of [
      undefined,
      null,
      "",
      "t=",
      "v1=abc",
      `t=${t}`,
      `t=${t},v1=zz`,
      `t=abc,v1=${"0".repeat(64)}`,
      "=,=,",
      "t=1,v1=" + "0".repeat(64),
    ]) {
      expect(verifyWebhookSignature(secret, h, body, now)).toBe(false);
    }
    fc.assert(
      fc.property(fc.string(), fc.string(), (h, b) => {
        expect(typeof verifyWebhookSignature(secret, h, b, now)).toBe("boolean");
      }),
    );
  });
});
