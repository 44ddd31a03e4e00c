import { ChannelError } from "../channel-error.js";

export interface TProviderRequest {
  fetch: typeof fetch;
  url: string;
  method?: "POST" | "GET";
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Human name for error messages ("WhatsApp Cloud API"); the URL is never quoted (it may hold a token). */
  provider: string;
}

export interface TProviderResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  json: unknown;
  headers: Headers;
}

export const defaultTimeoutMs = 15_000;

/** Network error description without URLs, bodies or tokens. */
function sanitizeCause(error: unknown): { name: string; code?: string } {
  if (!(error instanceof Error)) return { name: "UnknownError" };
  const nested = error.cause;
  const code =
    typeof nested === "object" && nested !== null && "code" in nested && typeof nested.code === "string"
      ? nested.code
      : undefined;
  return code === undefined ? { name: error.name } : { name: error.name, code };
}

/** Failures before the request could leave: the provider cannot have it. */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * One HTTP call to a provider. Network failures and timeouts become UNAVAILABLE (retryable); unless the
 * connection never opened, they are `maybeSent`: the provider may have accepted the message, so the
 * pipeline retries only an adapter with idempotent sends (and records the others as `unknown`).
 */
export async function callProvider(request: TProviderRequest): Promise<TProviderResponse> {
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(request.url, {
      method: request.method ?? "POST",
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const cause = sanitizeCause(error);
    const timedOut = cause.name === "TimeoutError" || cause.name === "AbortError";
    const notSent = cause.code !== undefined && NOT_SENT.has(cause.code);
    throw new ChannelError("UNAVAILABLE", {
      message: `${request.provider}: ${timedOut ? "request timed out" : "network error"}${notSent ? " before sending" : "; the provider may have accepted the message"}`,
      maybeSent: !notSent,
      cause,
    });
  }
  try {
    text = await response.text();
  } catch (error) {
    // An answer whose body was lost: a success may mean the message was sent; an error answer did not.
    if (response.ok) throw unreadableSuccess(request.provider, response.status);
    throw new ChannelError("UNAVAILABLE", {
      message: `${request.provider}: HTTP ${response.status}, the reply could not be read`,
      providerStatus: response.status,
      cause: sanitizeCause(error),
    });
  }
  let json: unknown;
  if (text !== "") {
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, json, headers: response.headers };
}

/** Retry-After in seconds or as an HTTP date, in ms. */
export function retryAfterMs(headers: Headers, now: Date): number | undefined {
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/** A 2xx whose body we cannot read: the provider probably has the message, so do not retry blindly. */
export function unreadableSuccess(provider: string, status: number): ChannelError {
  return new ChannelError("UNAVAILABLE", {
    message: `${provider}: accepted (HTTP ${status}) but the reply could not be read; the message may have been sent`,
    retryable: false,
    maybeSent: true,
    providerStatus: status,
  });
}
