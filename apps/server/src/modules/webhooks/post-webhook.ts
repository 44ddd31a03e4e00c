import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { isPrivateAddress } from "./is-private-address.js";

/** What one HTTP attempt produced: a status (any, 2xx or not) or an error text without personal data. */
export interface TPostResult {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * Why an attempt failed, in the delivery log's fixed wording (never a body, never personal data), or null
 * when it was delivered (a 2xx). A redirect is a failure: it is never followed.
 */
export function postFailure(result: TPostResult): string | null {
  const status = result.statusCode;
  if (status !== null && status >= 200 && status < 300) return null;
  if (result.error !== null) return result.error;
  if (status !== null && status >= 300 && status < 400) return `HTTP ${status} (redirects are not followed)`;
  return `HTTP ${status}`;
}

class RefusedAddress extends Error {
  readonly code = "EPRIVATE";
}

/** DNS lookup that refuses private addresses, so the address checked is the address connected to. */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, "", 0);
        return;
      }
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      const first = usable[0];
      if (!first || usable.length !== addresses.length) {
        callback(new RefusedAddress("private address refused"), "", 0);
        return;
      }
      if (options.all) callback(null, usable);
      else callback(null, first.address, first.family);
    });
  };
}

function describe(error: unknown, timeoutMs: number): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  if (error instanceof Error && error.name === "WebhookTimeout") return `timed out after ${timeoutMs} ms`;
  switch (code) {
    case "EPRIVATE":
      return "refused: the host resolves to a private, loopback or link-local address";
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      if (code.startsWith("ERR_TLS") || code.includes("CERT")) return `TLS error (${code})`;
      if (error instanceof Error && error.name === "AbortError") return "aborted";
      return `request failed${code ? ` (${code})` : ""}`;
  }
}

/**
 * POST a webhook body: one request, no redirects followed, no connection reuse, a hard timeout for the
 * whole exchange, and the private-address policy applied to the address actually connected to.
 */
export function postWebhook(o: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}): Promise<TPostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<TPostResult>((resolve) => {
    const url = new URL(o.url);
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    if (!o.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
      resolve({
        statusCode: null,
        durationMs: 0,
        error: describe(new RefusedAddress("refused"), o.timeoutMs),
      });
      return;
    }
    const client = url.protocol === "https:" ? https : http;
    let request: http.ClientRequest;
    try {
      request = client.request(url, {
        method: "POST",
        agent: false,
        lookup: guardedLookup(o.allowPrivate),
        headers: { ...o.headers, "content-length": String(Buffer.byteLength(o.body)) },
      });
    } catch (error) {
      resolve({ statusCode: null, durationMs: elapsed(), error: describe(error, o.timeoutMs) });
      return;
    }
    const onAbort = () => request.destroy(Object.assign(new Error("aborted"), { name: "AbortError" }));
    const timer = setTimeout(() => {
      const e = new Error("timeout");
      e.name = "WebhookTimeout";
      request.destroy(e);
    }, o.timeoutMs);
    o.signal?.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    const settle = (r: TPostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    request.on("response", (response) => {
      // The body is not needed (and never stored): drain it so the socket closes.
      const rest = setTimeout(() => request.destroy(), Math.max(1, o.timeoutMs - elapsed()));
      rest.unref();
      response.on("close", () => clearTimeout(rest));
      response.on("error", () => undefined);
      response.resume();
      settle({ statusCode: response.statusCode ?? null, durationMs: elapsed(), error: null });
    });
    request.on("error", (error) =>
      settle({ statusCode: null, durationMs: elapsed(), error: describe(error, o.timeoutMs) }),
    );
    request.end(o.body);
  });
}
