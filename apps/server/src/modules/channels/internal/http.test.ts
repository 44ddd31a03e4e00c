import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelError } from "../channel-error.js";
import { callProvider } from "./http.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
}

async function failure(url: string, timeoutMs = 5_000): Promise<ChannelError> {
  try {
    await callProvider({ fetch, url, headers: {}, body: "{}", timeoutMs, provider: "Test provider" });
  } catch (error) {
    if (error instanceof ChannelError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("callProvider: whether the provider may have the message", () => {
  it("a refused connection: not sent, retryable", async () => {
    const url = await listen((_req, res) => res.end());
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const e = await failure(url);
    expect(e).toMatchObject({ code: "UNAVAILABLE", retryable: true, maybeSent: false });
  });

  it("no answer before the timeout: maybe sent", async () => {
    const url = await listen(() => {
      // Reads the request and never answers.
    });
    const e = await failure(url, 150);
    expect(e).toMatchObject({ code: "UNAVAILABLE", maybeSent: true });
    server?.closeAllConnections();
  });

  it("a 2xx whose body is cut off: maybe sent, not retried blindly", async () => {
    const url = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"id":"prov');
      setTimeout(() => res.destroy(), 20);
    });
    const e = await failure(url);
    expect(e).toMatchObject({ code: "UNAVAILABLE", retryable: false, maybeSent: true, providerStatus: 200 });
  });

  it("an error answer whose body is cut off: not sent, retryable", async () => {
    const url = await listen((_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "content-length": "100" });
      res.write('{"error"');
      setTimeout(() => res.destroy(), 20);
    });
    const e = await failure(url);
    expect(e).toMatchObject({ code: "UNAVAILABLE", retryable: true, maybeSent: false, providerStatus: 503 });
  });
});
