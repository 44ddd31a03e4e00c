import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

describe("logger", () => {
  it("redacts personal data wherever it appears", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger("info", sink);
    log.info(
      {
        phone: "+14155550100",
        body: "my secret text",
        contact: { email: "ada@example.com", name: "Ada" },
        messageId: "msg_1",
      },
      "sent",
    );
    log.info(
      { req: { headers: { authorization: "Bearer ask_abc", cookie: "assent_session=xyz" } } },
      "request",
    );
    const out = lines.join("");
    for (const leaked of ["+14155550100", "my secret text", "ada@example.com", "Ada", "ask_abc", "xyz"])
      expect(out).not.toContain(leaked);
    expect(out).toContain("msg_1");
    expect(out).toContain("[redacted]");
  });
});
