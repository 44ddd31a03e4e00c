import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the fake provider received it. */
export interface TRecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Media type without parameters, lowercased ("" when absent). */
  contentType: string;
  receivedAt: Date;
}

/** What the fake provider answers. */
export interface TFakeReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface TFakeHttpServer {
  /** `http://127.0.0.1:<port>`: pass as the adapter's `baseUrl`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: TRecordedRequest[];
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, reply: TFakeReply): void {
  const text =
    reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    "content-type": typeof reply.body === "string" ? "text/plain" : "application/json",
    ...reply.headers,
  });
  response.end(text);
}

/** An HTTP server on 127.0.0.1 and a random port that records requests and answers via `handle`. */
export async function startFakeHttpServer(
  handle: (request: TRecordedRequest) => TFakeReply | Promise<TFakeReply>,
): Promise<TFakeHttpServer> {
  const requests: TRecordedRequest[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const rawBody = await readBody(request);
        const url = new URL(request.url ?? "/", "http://127.0.0.1");
        const recorded: TRecordedRequest = {
          method: request.method ?? "GET",
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          rawBody,
          contentType: (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "",
          receivedAt: new Date(),
        };
        requests.push(recorded);
        send(response, await handle(recorded));
      } catch (error) {
        send(response, {
          status: 500,
          body: { error: error instanceof Error ? error.message : "fake server error" },
        });
      }
    })();
  });
  // Let the client close idle keep-alive sockets: a server-side close racing a reused socket resets the
  // next request (ECONNRESET) on a loaded machine.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Per-recipient scripted replies (e.g. an error for one number, N times or forever). */
export class ScriptedReplies {
  private readonly plan = new Map<string, { reply: TFakeReply; remaining: number }>();

  /** `recipient` "*" matches everyone. */
  set(recipient: string, reply: TFakeReply, times = Number.POSITIVE_INFINITY): void {
    this.plan.set(recipient, { reply, remaining: times });
  }

  take(recipient: string): TFakeReply | undefined {
    const entry = this.plan.get(recipient) ?? this.plan.get("*");
    if (entry === undefined || entry.remaining <= 0) return undefined;
    entry.remaining -= 1;
    return entry.reply;
  }

  clear(): void {
    this.plan.clear();
  }
}

export interface TCallbackDelivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Background webhook deliveries (status callbacks) a fake server makes; awaitable from tests. */
export class CallbackQueue {
  private readonly pending = new Set<Promise<void>>();
  /** Deliveries that failed (network error or non-2xx), for assertions. */
  readonly failures: { url: string; reason: string }[] = [];
  /** Deliveries made, in order. */
  readonly delivered: { url: string; status: number; body: string }[] = [];

  /** Delivers one after the other (so "sent" arrives before "delivered"), in the background. */
  enqueue(deliveries: TCallbackDelivery[]): void {
    const run = (async () => {
      for (const delivery of deliveries) {
        try {
          const response = await fetch(delivery.url, {
            method: "POST",
            headers: delivery.headers,
            body: delivery.body,
          });
          await response.arrayBuffer();
          this.delivered.push({ url: delivery.url, status: response.status, body: delivery.body });
          if (!response.ok) this.failures.push({ url: delivery.url, reason: `HTTP ${response.status}` });
        } catch (error) {
          this.failures.push({
            url: delivery.url,
            reason: error instanceof Error ? error.message : "unknown",
          });
        }
      }
    })();
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /** Resolves when every delivery started so far has finished. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
