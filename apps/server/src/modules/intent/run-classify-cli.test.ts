import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runClassifyCli } from "./run-classify-cli.js";

async function run(lines: string[]): Promise<unknown[]> {
  const input = Readable.from([lines.join("\n")]);
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  await runClassifyCli(input, output);
  return chunks
    .join("")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as unknown);
}

describe("runClassifyCli", () => {
  it("writes one JSON line per input line, in order", async () => {
    const out = await run([
      JSON.stringify({ text: "STOP", id: 1 }),
      JSON.stringify({ text: "see you at 5" }),
      JSON.stringify({ text: "no me escriban más", extra: { nested: true } }),
      JSON.stringify({ text: "AYUDA" }),
    ]);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ intent: "opt_out", language: "en" });
    expect(out[1]).toMatchObject({ intent: "none" });
    expect(out[2]).toMatchObject({ intent: "opt_out", language: "es" });
    expect(out[3]).toMatchObject({ intent: "help" });
    for (const o of out) expect(o).toEqual(expect.objectContaining({ confidence: expect.any(Number) }));
  });

  it("answers a bad line with an error line and carries on", async () => {
    const out = await run([
      "not json",
      JSON.stringify({ nope: 1 }),
      "",
      JSON.stringify({ text: 42 }),
      JSON.stringify({ text: "STOP" }),
    ]);
    expect(out).toHaveLength(5);
    expect(out.slice(0, 4).every((o) => typeof (o as { error?: unknown }).error === "string")).toBe(true);
    expect(out[4]).toMatchObject({ intent: "opt_out" });
  });

  it("handles many lines with backpressure", async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ text: i % 2 ? "STOP" : "hello" }));
    const out = await run(lines);
    expect(out).toHaveLength(1000);
    expect(out[999]).toMatchObject({ intent: "opt_out" });
    expect(out[998]).toMatchObject({ intent: "none" });
  });
});
