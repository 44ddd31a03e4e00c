import { describe, expect, it } from "vitest";
import { providerIds, ZOutboundMessage } from "./channel-adapter.js";
import { defaultRateLimits } from "./rate-limits.js";
import { checkCredentials, createAdapter, credentialSchemas, providerChannels } from "./registry.js";
import { catchChannelError } from "./testing/index.js";
import { webhookRoutingKeys } from "./webhook-routing.js";

const validCredentials = {
  "whatsapp-cloud": { phoneNumberId: "106540352242922", accessToken: "t", appSecret: "s", verifyToken: "v" },
  twilio: { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "t", from: "+15017250604" },
  "telegram-bot": { botToken: "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", webhookSecret: "secret" },
  instagram: { igId: "17841405793187218", accessToken: "t", appSecret: "s", verifyToken: "v" },
  sandbox: { webhookSecret: "0123456789abcdef" },
  fake: {},
} as const;

describe("registry", () => {
  it.each(providerIds)("builds %s with its channel and schema", (providerId) => {
    const adapter = createAdapter(providerId, validCredentials[providerId], {});
    expect(adapter.providerId).toBe(providerId);
    expect(adapter.channel).toBe(providerChannels[providerId]);
    expect(checkCredentials(providerId, validCredentials[providerId])).toEqual({ ok: true });
    expect(credentialSchemas[providerId].safeParse(validCredentials[providerId]).success).toBe(true);
  });

  it("only Meta adapters offer the GET handshake", () => {
    const withHandshake = providerIds.filter(
      (id) => createAdapter(id, validCredentials[id]).verifyHandshake !== undefined,
    );
    expect(withHandshake).toEqual(["whatsapp-cloud", "instagram"]);
  });

  it.each([
    ["twilio", { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "supersecret" }],
    ["twilio", { accountSid: "XX0123456789abcdef0123456789abcdef", authToken: "supersecret", from: "+1" }],
    ["telegram-bot", { botToken: "not-a-token", webhookSecret: "has spaces" }],
    ["sandbox", { webhookSecret: "short" }],
    [
      "whatsapp-cloud",
      { phoneNumberId: "+1 555", accessToken: "supersecret", appSecret: "", verifyToken: "v" },
    ],
  ] as const)(
    "refuses bad %s credentials with AUTH_FAILED and no secret in the message",
    async (providerId, credentials) => {
      const error = await catchChannelError(() => createAdapter(providerId, credentials));
      expect(error).toMatchObject({ code: "AUTH_FAILED", retryable: false });
      expect(error.message).not.toContain("supersecret");
      const check = checkCredentials(providerId, credentials);
      expect(check.ok).toBe(false);
    },
  );

  it("validates outbound messages with zod", () => {
    expect(ZOutboundMessage.safeParse({ messageId: "m", to: "x", body: "hi" }).success).toBe(true);
    expect(ZOutboundMessage.safeParse({ messageId: "m", to: "x" }).success).toBe(false);
    expect(
      ZOutboundMessage.safeParse({ messageId: "m", to: "x", media: [{ url: "javascript:alert(1)" }] })
        .success,
    ).toBe(false);
  });

  it("documents the default rate limits", () => {
    expect(defaultRateLimits["whatsapp-cloud"]).toEqual({ perSecond: 80, perRecipientPerSecond: 1 / 6 });
    expect(defaultRateLimits["twilio:long-code"]).toMatchObject({ perSecond: 1, unit: "segment" });
    expect(defaultRateLimits["twilio:toll-free"].perSecond).toBe(3);
    expect(defaultRateLimits["twilio:short-code"].perSecond).toBe(100);
    expect(defaultRateLimits["telegram-bot"]).toEqual({ perSecond: 30, perRecipientPerSecond: 1 });
    expect(defaultRateLimits.instagram.perSecond).toBe(300);
  });

  describe("webhookRoutingKeys", () => {
    it("finds WhatsApp phone number ids, Instagram account ids and the Twilio AccountSid", () => {
      const wa = Buffer.from(
        JSON.stringify({
          object: "whatsapp_business_account",
          entry: [
            {
              id: "1",
              changes: [
                { value: { metadata: { phone_number_id: "111" } } },
                { value: { metadata: { phone_number_id: "222" } } },
              ],
            },
          ],
        }),
      );
      expect(webhookRoutingKeys("whatsapp-cloud", wa)).toEqual(["111", "222"]);
      expect(
        webhookRoutingKeys(
          "instagram",
          Buffer.from('{"object":"instagram","entry":[{"id":"178"},{"id":178}]}'),
        ),
      ).toEqual(["178"]);
      expect(webhookRoutingKeys("twilio", Buffer.from("AccountSid=AC1&Body=x"))).toEqual(["AC1"]);
      expect(webhookRoutingKeys("telegram-bot", Buffer.from("{}"))).toEqual([]);
    });

    it("never throws on garbage", () => {
      for (const id of providerIds) {
        expect(webhookRoutingKeys(id, Buffer.from([0xff, 0x00, 0x7b]))).toEqual([]);
        expect(webhookRoutingKeys(id, Buffer.from('{"entry":[null,1,{"changes":"x"}]}'))).toEqual([]);
      }
    });
  });
});
