import { parseCookie } from "cookie";
import type { FastifyRequest } from "fastify";
import { SESSION_COOKIE } from "./session-policy.js";

/**
 * The `assent_session` cookie of a request, or undefined. The cookie plugin parses cookies only on the
 * session routes (it would otherwise add two hooks to every API call, most of which carry a bearer key and
 * no cookie); elsewhere the header is parsed here, when the auth hook needs it.
 */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const parsed = (request as { cookies?: Record<string, string | undefined> }).cookies;
  if (parsed) return parsed[SESSION_COOKIE];
  const header = request.headers.cookie;
  if (typeof header !== "string" || header === "") return undefined;
  return parseCookie(header)[SESSION_COOKIE];
}
