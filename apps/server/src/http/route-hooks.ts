import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { TAppContext } from "../core/context.js";
import { authenticateRequest, type TSessionResolver } from "./auth.js";
import { httpErrors, observeDuration } from "./metrics.js";
import { securityHeaderSet } from "./security-headers.js";
import type { TApp } from "./types.js";

type THook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;
type TSendHook = (
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload?: unknown) => void,
) => void;
type THooks = RouteOptions["onRequest"];

/** A route's own hooks as a list (Fastify takes one function or an array). */
const listOf = (hooks: THooks): THook[] =>
  hooks === undefined ? [] : ((Array.isArray(hooks) ? [...hooks] : [hooks]) as THook[]);

/**
 * Sets the request id and security headers, authenticates the caller and records the request's duration,
 * on every route, through hooks attached to each route when it is declared (an onRoute hook) rather than
 * global hooks: what depends on the route (its header set, whether it is public, its URL pattern for the
 * metrics) is settled once, not looked up on every request (Fastify builds a new `routeOptions` object at
 * each read), and most routes run one onRequest function and no preHandler stage at all.
 *
 * Order on a route: headers, then the route's own onRequest hooks (rate limits), then authentication;
 * everything before the body is read, so an unauthenticated caller is refused before any parsing.
 * Register after plugins that add route hooks from their own onRoute hook (rate limiting).
 */
export function installRouteHooks(
  app: TApp,
  ctx: TAppContext,
  resolveSession: TSessionResolver | undefined,
): void {
  app.addHook("onRoute", (route) => {
    const url = route.url;
    // The browsable docs are public; everything they describe still needs credentials.
    if (url === "/docs" || url.startsWith("/docs/")) route.config = { ...route.config, public: true };
    const config = route.config ?? {};
    const headers = securityHeaderSet(config.securityHeaders);
    const isPublic = config.public === true;
    /** The request's start, id and security headers: what every response carries. */
    const stamp = (request: FastifyRequest, reply: FastifyReply): void => {
      request.startedAt = performance.now();
      void reply.header("x-request-id", String(request.id)).headers(headers);
    };
    const setHeaders: THook = (request, reply, done) => {
      stamp(request, reply);
      done();
    };
    const authenticate: THook = (request, _reply, done) =>
      authenticateRequest(request, ctx, resolveSession, done);
    const own = listOf(route.onRequest);
    if (own.length > 0)
      route.onRequest = isPublic ? [setHeaders, ...own] : [setHeaders, ...own, authenticate];
    else
      route.onRequest = isPublic
        ? setHeaders
        : (request, reply, done) => {
            stamp(request, reply);
            authenticateRequest(request, ctx, resolveSession, done);
          };
    // When the response is handed to the socket (onSend, not onResponse: an onResponse hook makes Fastify
    // listen for the end of every response).
    const observe: TSendHook = (request, reply, payload, done) => {
      observeDuration(request.method, url, reply.statusCode, (performance.now() - request.startedAt) / 1000);
      if (reply.statusCode >= 500) httpErrors.inc({ route: url });
      done(null, payload);
    };
    route.onSend = [observe, ...listOf(route.onSend as THooks)] as RouteOptions["onSend"];
  });
}
