import { Writable } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import { describe, expect, it, vi } from "vitest";
import { createLogger } from "../core/logger.js";
import { lazyChildLogger } from "./lazy-child-logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger("info", stream) };
}

describe("lazyChildLogger", () => {
  it("builds the child only when something logs, with the request's bindings and redaction", () => {
    const { lines, logger } = capture();
    const child = vi.spyOn(logger, "child");
    const log = lazyChildLogger(logger as FastifyBaseLogger, { reqId: "req_1" }, {});
    expect(log.level).toBe("info");
    expect(child).not.toHaveBeenCalled();
    log.debug("below the level");
    log.error({ phone: "+33612345678", errorId: "err_1" }, "unhandled error");
    log.info("again");
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 50, reqId: "req_1", errorId: "err_1", msg: "unhandled error" });
    expect(lines[0]?.phone).toBe("[redacted]");
    expect(JSON.stringify(lines)).not.toContain("+33612345678");
    expect(lines[1]).toMatchObject({ level: 30, reqId: "req_1", msg: "again" });
  });

  it("passes children and level changes through to the real child", () => {
    const { lines, logger } = capture();
    const log = lazyChildLogger(logger as FastifyBaseLogger, { reqId: "req_2" }, {});
    log.level = "debug";
    log.debug("now visible");
    log.child({ step: "x" }).warn("nested");
    expect(lines.map((l) => [l.level, l.reqId, l.msg])).toEqual([
      [20, "req_2", "now visible"],
      [40, "req_2", "nested"],
    ]);
    expect(lines[1]?.step).toBe("x");
    expect(logger.level).toBe("info");
  });
});
