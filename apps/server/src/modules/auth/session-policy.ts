import type { FastifyRequest } from "fastify";
import type { TAppContext } from "../../core/context.js";

/** Name of the session cookie (HttpOnly, SameSite=Lax, Secure when served over https). */
export const SESSION_COOKIE = "assent_session";
/** A session ends after 12 hours without a request. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** A session ends 7 days after sign-in whatever happens. */
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
/** `last_seen_at` is written at most this often per session (not on every request). */
export const SESSION_TOUCH_MS = 60 * 1000;

/** Cookie attributes for a session set on this request. */
export function sessionCookieOptions(
  ctx: Pick<TAppContext, "config">,
  request: FastifyRequest,
): { httpOnly: true; secure: boolean; sameSite: "lax"; path: "/"; maxAge: number } {
  const secure = request.protocol === "https" || (ctx.config.publicUrl?.startsWith("https:") ?? false);
  return {
    httpOnly: true,
    secure,
    sameSite: "lax",
    path: "/",
    maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000),
  };
}
