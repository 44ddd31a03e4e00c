import type { FastifyRequest } from "fastify";
import type { TAppContext } from "../core/context.js";
import { AppError } from "../core/errors.js";
import {
  authenticateApiKey,
  principalCan,
  type TPermission,
  type TPrincipal,
} from "../modules/auth/index.js";

/** Resolves session cookies; provided by the auth module's session routes once they are mounted. */
export type TSessionResolver = (request: FastifyRequest) => Promise<TPrincipal | null>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

type TDone = (error?: Error) => void;

/**
 * Resolve the caller before anything else of the request: `Authorization: Bearer <api key>` for machines,
 * the session cookie (plus `X-CSRF-Token` on unsafe methods) for people. A callback, not a promise: with a
 * cached API key the whole check runs synchronously. Run by the route hooks (route-hooks.ts) in the
 * request's onRequest stage, before the body is read: an unauthenticated caller gets its 401 before any
 * parsing or validation of what it sent.
 */
export function authenticateRequest(
  request: FastifyRequest,
  ctx: TAppContext,
  resolveSession: TSessionResolver | undefined,
  done: TDone,
): void {
  const header = request.headers.authorization;
  if (typeof header === "string" && header.startsWith("Bearer ")) {
    const found = authenticateApiKey(ctx.db, header.slice(7).trim(), ctx.clock());
    if (found instanceof Promise) found.then((p) => done(admitKey(request, p)), done);
    else done(admitKey(request, found));
    return;
  }
  // Basic auth is only for the Twilio-compatible endpoint, which authenticates itself.
  if (typeof header === "string" && header.startsWith("Basic ")) {
    done();
    return;
  }
  if (!resolveSession) {
    done(credentialsRequired());
    return;
  }
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
