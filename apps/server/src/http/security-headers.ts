import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

/** Helmet's settings for our pages: the API docs load their own scripts and inline styles only. */
const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
    },
  },
} as const;

/**
 * The OWASP REST set, for JSON-only routes on the hottest paths (`config.securityHeaders: "api"`): most of
 * helmet's set concerns HTML documents, and this is about a quarter of the bytes.
 */
const API_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
};

/** The headers helmet sets with these options, computed once by running it against a recording response. */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(HELMET_OPTIONS)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failed = error;
  });
  if (failed) throw failed;
  return headers;
}

let helmetSet: Record<string, string> | undefined;

/**
 * The security headers of a kind of route: helmet's set (computed once, not per request as
 * @fastify/helmet does), the short API set (`securityHeaders: "api"`), or none (`"none"`, for routes that
 * set their own, like the docs UI). Set on every response by the route hooks (route-hooks.ts).
 */
export function securityHeaderSet(
  kind: "full" | "api" | "none" | undefined,
): Readonly<Record<string, string>> {
  if (kind === "none") return {};
  if (kind === "api") return API_HEADERS;
  helmetSet ??= helmetHeaders();
  return helmetSet;
}
