import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { classify } from "./classify.js";
import { classifyWithExternal } from "./classify-with-external.js";
import { createOpenAiCompatibleModel } from "./create-open-ai-compatible-model.js";
import type { TExternalModel } from "./intent.types.js";

type TMode = { kind: "answer"; content: string } | { kind: "status"; status: number } | { kind: "hang" };

// A fake OpenAI-compatible server on the loopback interface: no real network.
let server: Server;
let baseUrl = "";
let mode: TMode = { kind: "answer", content: "{}" };
const requests: { body: unknown; auth: string | undefined }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    requests.push({
      body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      auth: req.headers.authorization,
    });
    if (mode.kind === "hang") return;
    if (mode.kind === "status") {
      res.writeHead(mode.status).end("boom");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ choices: [{ message: { role: "assistant", content: mode.content } }] }));
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
});

const llm = (timeoutMs = 2_000) =>
  createOpenAiCompatibleModel({ baseUrl, model: "fake-1", apiKey: "sk-test", timeoutMs });
const answer = (intent: string, confidence: number) => {
  mode = { kind: "answer", content: JSON.stringify({ intent, confidence }) };
};

describe("classifyWithExternal", () => {
  it("returns the local result when no external model is given", async () => {
    expect(await classifyWithExternal("hello there", {})).toEqual(classify("hello there"));
  });

  it("lets the external model upgrade a local 'none' to an opt-out", async () => {
    answer("opt_out", 0.93);
    const r = await classifyWithExternal("hello there", { external: llm() });
    expect(r).toMatchObject({
      intent: "opt_out",
      evidence: { source: "external", matched: "openai-compatible:fake-1" },
    });
    expect(r.uncertain).toBe(false);
    expect(requests).toHaveLength(1);
    const body = requests[0]?.body as { model: string; messages: { content: string }[] };
    expect(body.model).toBe("fake-1");
    expect(body.messages[1]?.content).toContain("hello there");
    expect(requests[0]?.auth).toBe("Bearer sk-test");
  });

  it("never overrides a keyword hit (and does not even ask)", async () => {
    answer("none", 0.99);
    const r = await classifyWithExternal("STOP", { external: llm() });
    expect(r).toMatchObject({ intent: "opt_out", evidence: { source: "keyword" } });
    expect(requests).toHaveLength(0);
  });

  it("never weakens an opt-out", async () => {
    answer("none", 0.99);
    const local = classify("please stop texting me, this is the wrong person");
    const r = await classifyWithExternal("please stop texting me, this is the wrong person", {
      external: llm(),
    });
    expect(["opt_out", "opt_out_marketing"]).toContain(r.intent);
    expect(r.intent).toBe(local.intent);
  });

  it("falls back silently on timeout", async () => {
    mode = { kind: "hang" };
    const started = performance.now();
    const r = await classifyWithExternal("hello there", { external: llm(), externalTimeoutMs: 100 });
    expect(r).toEqual(classify("hello there"));
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("falls back silently on the model's own timeout", async () => {
    mode = { kind: "hang" };
    const r = await classifyWithExternal("hello there", { external: llm(80) });
    expect(r.evidence.source).not.toBe("external");
  });

  it("falls back silently on HTTP errors and malformed answers", async () => {
    mode = { kind: "status", status: 500 };
    expect((await classifyWithExternal("hello there", { external: llm() })).evidence.source).not.toBe(
      "external",
    );
    mode = { kind: "answer", content: "I think it is an opt-out" };
    expect((await classifyWithExternal("hello there", { external: llm() })).evidence.source).not.toBe(
      "external",
    );
    mode = { kind: "answer", content: JSON.stringify({ intent: "unsubscribe", confidence: 2 }) };
    expect((await classifyWithExternal("hello there", { external: llm() })).evidence.source).not.toBe(
      "external",
    );
  });

  it("falls back when a custom external model throws or returns garbage", async () => {
    const throwing: TExternalModel = { name: "t", classify: () => Promise.reject(new Error("nope")) };
    const garbage: TExternalModel = {
      name: "g",
      classify: () => Promise.resolve({ intent: "opt_out", confidence: Number.NaN }),
    };
    expect((await classifyWithExternal("hello there", { external: throwing })).evidence.source).not.toBe(
      "external",
    );
    expect((await classifyWithExternal("hello there", { external: garbage })).evidence.source).not.toBe(
      "external",
    );
  });

  it("aborts the external call through the AbortSignal", async () => {
    let aborted = false;
    const slow: TExternalModel = {
      name: "slow",
      classify: (_text, signal) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(new Error("aborted"));
          });
        }),
    };
    await classifyWithExternal("hello there", { external: slow, externalTimeoutMs: 50 });
    expect(aborted).toBe(true);
  });

  it("ignores a weak external opt-out", async () => {
    answer("opt_out", 0.2);
    expect((await classifyWithExternal("hello there", { external: llm() })).intent).toBe("none");
  });
});
