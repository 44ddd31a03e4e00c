import type { FastifyRequest } from "fastify";
import type { TAppContext } from "../../core/context.js";
import { loadSession } from "./load-session.js";
import type { TPrincipal } from "./permissions.js";
import { sessionCookieOf } from "./session-cookie.js";

/**
 * The session resolver for the HTTP auth hook (`TSessionResolver`): the `assent_session` cookie → the
 * signed-in user's principal, or null. The hook itself enforces `X-CSRF-Token` on unsafe methods.
 */
export function resolveSession(
  ctx: Pick<TAppContext, "db" | "clock">,
): (request: FastifyRequest) => Promise<TPrincipal | null> {
  return async (request) => {
    const token = sessionCookieOf(request);
    if (typeof token !== "string" || token === "") return null;
    const loaded = await loadSession(ctx, token);
    return loaded?.principal ?? null;
  };
}
