import { Writable } from "node:stream";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { createLogger } from "../core/logger.js";
import { errorHandlerFor } from "./error-handler.js";

describe("error handler", () => {
  it("answers an unexpected error with 500 and an error id, logged with the request id to the app's logger", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    // No logger given to Fastify (as when the access log is off): the handler logs through its own.
    const app = Fastify();
    app.setErrorHandler(errorHandlerFor(createLogger("info", sink)));
    app.get("/boom", async () => {
      throw new Error("boom");
    });
    const r = await app.inject({ method: "GET", url: "/boom" });
    expect(r.statusCode).toBe(500);
    const body = r.json().error;
    expect(body).toMatchObject({ code: "internal", message: "internal error" });
    expect(body.errorId).toMatch(/^err_/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: "unhandled error",
      errorId: body.errorId,
      reqId: body.requestId,
    });
    await app.close();
  });
});
