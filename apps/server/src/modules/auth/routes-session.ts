import cookie from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import type { TApp } from "../../http/types.js";
import { acceptInvitation } from "./accept-invitation.js";
import {
  ZAcceptInvitationRequest,
  ZLogInRequest,
  ZSessionView,
  ZSignUpRequest,
  ZSwitchWorkspaceRequest,
} from "./auth.schemas.js";
import { authRateLimits } from "./auth-rate-limits.js";
import type { TNewSession } from "./create-session.js";
import { describeSession } from "./describe-session.js";
import { loadSession, type TUserPrincipal } from "./load-session.js";
import { logIn } from "./log-in.js";
import { logOut } from "./log-out.js";
import { logOutEverywhere } from "./log-out-everywhere.js";
import { requireJson } from "./require-json.js";
import { sessionCookieOf } from "./session-cookie.js";
import { SESSION_COOKIE, sessionCookieOptions } from "./session-policy.js";
import { requireSessionUser } from "./session-user.js";
import { signUp } from "./sign-up.js";
import { switchWorkspace } from "./switch-workspace.js";
import { withRetryAfter } from "./with-retry-after.js";

function cookieToken(request: FastifyRequest): string {
  const token = sessionCookieOf(request);
  if (typeof token !== "string" || token === "") {
    throw new AppError("unauthenticated", { message: "sign in first", field: "Cookie" });
  }
  return token;
}

/** The caller's own session on a public route: live cookie, matching CSRF header, MFA passed. */
async function optionalSession(ctx: TAppContext, request: FastifyRequest): Promise<TUserPrincipal | null> {
  const token = sessionCookieOf(request);
  if (typeof token !== "string" || token === "") return null;
  const loaded = await loadSession(ctx, token);
  const csrf = request.headers["x-csrf-token"];
  const fresh = typeof csrf === "string" && csrf === loaded?.principal.csrfToken;
  // A session still waiting for its MFA code proves only the password: it must not join anything.
  return loaded && fresh && loaded.principal.mfaPassed ? loaded.principal : null;
}

const publicCredentials = (rateLimit: { max: number; timeWindow: number }) => ({
  config: { public: true, rateLimit },
  preValidation: requireJson,
});

/**
 * People: sign-up, sign-in, sessions (cookie `assent_session` + `X-CSRF-Token`), invitations accepted,
 * workspace switching, logout and logout everywhere.
 */
export async function sessionRoutes(app: TApp, ctx: TAppContext): Promise<void> {
  // The cookie plugin (parsing on request, Set-Cookie on send) in this scope only: the other routes read
  // the session cookie through sessionCookieOf and never set one.
  await app.register(async (scope) => {
    await scope.register(cookie);
    sessionScopeRoutes(scope, ctx);
  });
}

function sessionScopeRoutes(app: TApp, ctx: TAppContext): void {
  const startSession = async (reply: FastifyReply, request: FastifyRequest, session: TNewSession) => {
    void reply.setCookie(SESSION_COOKIE, session.token, sessionCookieOptions(ctx, request));
    return describeSession(ctx, session.token);
  };

  app.post(
    "/v1/auth/signup",
    {
      ...publicCredentials(authRateLimits.signup),
      schema: {
        tags: ["auth"],
        summary: "Create an account and its workspace, and sign in",
        security: [],
        body: ZSignUpRequest,
        response: { 201: ZSessionView },
      },
    },
    async (request, reply) => {
      const done = await signUp(ctx, { ...request.body, requestId: String(request.id) });
      const view = await startSession(reply, request, done.session);
      return reply.status(201).send(view);
    },
  );

  app.post(
    "/v1/auth/login",
    {
      ...publicCredentials(authRateLimits.login),
      schema: {
        tags: ["auth"],
        summary: "Sign in with email and password (sets the session cookie)",
        security: [],
        body: ZLogInRequest,
        response: { 200: ZSessionView },
      },
    },
    async (request, reply) => {
      const done = await withRetryAfter(reply, () =>
        logIn(ctx, { ...request.body, requestId: String(request.id) }),
      );
      return startSession(reply, request, done.session);
    },
  );

  app.post(
    "/v1/auth/accept-invitation",
    {
      ...publicCredentials(authRateLimits.acceptInvitation),
      schema: {
        tags: ["auth"],
        summary: "Join a workspace with an invitation token",
        security: [],
        body: ZAcceptInvitationRequest,
        response: { 200: ZSessionView },
      },
    },
    async (request, reply) => {
      const signedIn = await optionalSession(ctx, request);
      const done = await withRetryAfter(reply, () =>
        acceptInvitation(ctx, { ...request.body, signedIn, requestId: String(request.id) }),
      );
      if (done.session) return startSession(reply, request, done.session);
      return describeSession(ctx, cookieToken(request));
    },
  );

  app.get(
    "/v1/auth/me",
    {
      schema: {
        tags: ["auth"],
        summary: "The signed-in person, their workspaces and the session state",
        response: { 200: ZSessionView },
      },
    },
    async (request) => {
      requireSessionUser(request);
      return describeSession(ctx, cookieToken(request));
    },
  );

  app.post(
    "/v1/auth/switch-workspace",
    {
      schema: {
        tags: ["auth"],
        summary: "Work in another of your workspaces",
        body: ZSwitchWorkspaceRequest,
        response: { 200: ZSessionView },
      },
    },
    async (request) => {
      const principal = requireSessionUser(request);
      await switchWorkspace(ctx, {
        principal,
        workspaceId: request.body.workspaceId,
        requestId: String(request.id),
      });
      return describeSession(ctx, cookieToken(request));
    },
  );

  app.post(
    "/v1/auth/logout",
    { schema: { tags: ["auth"], summary: "End this session" } },
    async (request, reply) => {
      const principal = requireSessionUser(request);
      await logOut(ctx, { principal, requestId: String(request.id) });
      void reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.status(204).send();
    },
  );

  app.post(
    "/v1/auth/logout-all",
    {
      schema: {
        tags: ["auth"],
        summary: "End every session of this person, everywhere",
        response: { 200: z.object({ revoked: z.number() }) },
      },
    },
    async (request, reply) => {
      const principal = requireSessionUser(request);
      const done = await logOutEverywhere(ctx, { principal, requestId: String(request.id) });
      void reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return done;
    },
  );
}
