import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { TPrincipal } from "../modules/auth/index.js";

export type TApp = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module "fastify" {
  interface FastifyRequest {
    /** Who is calling; null for public routes and webhooks. Set by the auth hook. */
    principal: TPrincipal | null;
    /** The exact bytes of the body (webhook signature verification), when the route asked for them. */
    rawBody: Buffer | undefined;
    /** performance.now() when the route's first hook ran (the request-duration metric). */
    startedAt: number;
  }
  interface FastifyContextConfig {
    /** Public route: no credentials needed (health, docs, login, provider webhooks). */
    public?: boolean;
    /** Keep the raw body bytes on request.rawBody. */
    rawBody?: boolean;
    /** Security headers: helmet's full set (default), the short JSON API set, or none. */
    securityHeaders?: "full" | "api" | "none";
  }
}
