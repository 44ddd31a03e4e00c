import type { FastifyRequest } from "fastify";
import type { TAppContext } from "../core/context.js";
import { AppError } from "../core/errors.js";
import {
  authenticateApiKey,
  principalCan,
  type TPermission,
  type TPrincipal,
} from "../modules/auth/index.js";
import type { TApp } from "./types.js";

/** Resolves session cookies; provided by the auth module's session routes once they are mounted. */
export type TSessionResolver = (request: FastifyRequest) => Promise<TPrincipal | null>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Resolve the caller before any handler: `Authorization: Bearer <api key>` for machines, the session
 * cookie (plus `X-CSRF-Token` on unsafe methods) for people. Public routes skip it.
 */
export function installAuthHook(
  app: TApp,
  ctx: TAppContext,
  resolveSession: TSessionResolver | undefined,
): void {
  app.decorateRequest("principal", null);
  // A callback hook, not an async one: with a cached API key the whole check runs without a promise.
  app.addHook("preHandler", (request, _reply, done) => {
    if (request.routeOptions.config.public || request.routeOptions.url === undefined) return done();
    const header = request.headers.authorization;
    if (typeof header === "string" && header.startsWith("Bearer ")) {
      const found = authenticateApiKey(ctx.db, header.slice(7).trim(), ctx.clock());
      if (!(found instanceof Promise)) return done(admitKey(request, found));
      found.then((p) => done(admitKey(request, p)), done);
      return;
    }
    // Basic auth is only for the Twilio-compatible endpoint, which authenticates itself.
    if (typeof header === "string" && header.startsWith("Basic ")) return done();
    if (!resolveSession) return done(credentialsRequired());
    resolveSession(request).then((principal) => {
      if (principal?.kind === "user" && !SAFE_METHODS.has(request.method)) {
        const token = request.headers["x-csrf-token"];
        if (typeof token !== "string" || token !== principal.csrfToken) {
          return done(
            new AppError("csrf_failed", { message: "missing or wrong X-CSRF-Token", field: "X-CSRF-Token" }),
          );
        }
      }
      if (!principal) return done(credentialsRequired());
      request.principal = principal;
      done();
    }, done);
  });
}

const credentialsRequired = () =>
  new AppError("unauthenticated", { message: "credentials required", field: "Authorization" });

/** Set the request's principal from a key lookup; the error to fail the request with, if any. */
function admitKey(request: FastifyRequest, principal: TPrincipal | null): AppError | undefined {
  if (!principal)
    return new AppError("unauthenticated", { message: "invalid or revoked API key", field: "Authorization" });
  request.principal = principal;
  return undefined;
}

/** The caller's workspace and identity, or a 401/403. Routes call this first (thin routes: validate → authorize → operate). */
export function authorize(
  request: FastifyRequest,
  permission: TPermission,
): TPrincipal & { workspaceId: string } {
  const p = request.principal;
  if (!p) throw new AppError("unauthenticated", { message: "credentials required", field: "Authorization" });
  if (p.kind === "user" && !p.mfaPassed)
    throw new AppError("mfa_required", { message: "complete MFA to continue" });
  if (p.workspaceId === null) throw new AppError("forbidden", { message: "select a workspace first" });
  if (!principalCan(p, permission)) {
    throw new AppError("forbidden", {
      message: `this ${p.kind === "api_key" ? "API key" : "role"} lacks ${permission}`,
    });
  }
  return p as TPrincipal & { workspaceId: string };
}

/** The audit actor of a principal. */
export function actorOf(p: TPrincipal): { type: "user" | "api_key"; id: string } {
  return p.kind === "api_key" ? { type: "api_key", id: p.keyId } : { type: "user", id: p.userId };
}
