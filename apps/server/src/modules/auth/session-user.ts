import type { FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";
import type { TUserPrincipal } from "./load-session.js";

/**
 * The signed-in person behind a session route (me, logout, MFA), or 401/403. Unlike `authorize()` it
 * lets through a session that still has to pass MFA: these routes are how it gets there.
 */
export function requireSessionUser(request: FastifyRequest): TUserPrincipal {
  const p = request.principal;
  if (!p) throw new AppError("unauthenticated", { message: "sign in first", field: "Cookie" });
  if (p.kind !== "user") {
    throw new AppError("forbidden", {
      message: "this route needs a signed-in user, not an API key",
      field: "Authorization",
    });
  }
  return p;
}
