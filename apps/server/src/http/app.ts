import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { sql } from "drizzle-orm";
import Fastify, { type FastifyBaseLogger, LogController } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { TAppContext } from "../core/context.js";
import type { TSessionResolver } from "./auth.js";
import { errorHandlerFor } from "./error-handler.js";
import { lazyChildLogger } from "./lazy-child-logger.js";
import { metricsRegistry, observeDuration } from "./metrics.js";
import { newRequestId } from "./request-id.js";
import { installRouteHooks } from "./route-hooks.js";
import { securityHeaderSet } from "./security-headers.js";
import type { TApp } from "./types.js";
import { installWellFormedJsonParser } from "./well-formed-json.js";

/** A module's HTTP surface: it receives the app and the context and mounts its routes. */
export type TRouteModule = (app: TApp, ctx: TAppContext) => Promise<void> | void;

export interface TBuildAppOptions {
  routes: readonly TRouteModule[];
  resolveSession?: TSessionResolver;
  /** Fastify's access log (a line per request); off in tests and benchmarks. */
  logRequests?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * The access log's view of a request (Fastify's fields): the path without its query string, which may
 * carry personal data (`GET /v1/contacts?address=…`) that the logger's redaction cannot see inside a URL.
 */
const accessLogRequest = (req: { method?: string; url?: string; host?: string; ip?: string }) => ({
  method: req.method,
  url: req.url?.split("?")[0],
  host: req.host,
  remoteAddress: req.ip,
});

export async function buildApp(ctx: TAppContext, options: TBuildAppOptions): Promise<TApp> {
  // Fastify gets the logger only for its access log: without one it builds no per-request child logger
  // and sets no response listeners. Our own logs go to ctx.logger (the error handler's included).
  const app = Fastify({
    ...(options.logRequests === true
      ? {
          loggerInstance: ctx.logger.child(
            {},
            { serializers: { req: accessLogRequest } },
          ) as FastifyBaseLogger,
          logController: new LogController(),
        }
      : {}),
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : newRequestId();
    },
    bodyLimit: 1_048_576,
    trustProxy: ctx.config.trustProxy,
    ajv: { customOptions: { coerceTypes: false } },
  }).withTypeProvider<ZodTypeProvider>();

  if (options.logRequests === true) app.setChildLoggerFactory(lazyChildLogger);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandlerFor(ctx.logger));
  // No route, so none of the route hooks (route-hooks.ts): the headers and the metric are set here.
  const notFoundHeaders = securityHeaderSet("full");
  app.setNotFoundHandler((request, reply) => {
    void reply.header("x-request-id", String(request.id)).headers(notFoundHeaders);
    // Answered as soon as routing found nothing: counted, with no time of its own worth measuring.
    observeDuration(request.method, "unmatched", 404, 0);
    void reply.status(404).send({
      error: {
        code: "not_found",
        message: `no route ${request.method} ${request.url.split("?")[0]}`,
        requestId: String(request.id),
      },
    });
  });
  app.decorateRequest("rawBody", undefined);
  app.decorateRequest("principal", null);
  app.decorateRequest("startedAt", 0);

  installWellFormedJsonParser(app);
  await app.register(formbody);
  await app.register(rateLimit, { global: false });
  // Request ids, security headers, authentication and metrics as hooks of each route, attached as routes
  // are declared: after the rate limiter (whose onRoute hook adds the routes' limits first).
  installRouteHooks(app, ctx, options.resolveSession);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Assent API",
        version: "0.1.0",
        description:
          "Consent-native conversational messaging. Every outbound message passes the consent ledger.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "API key (ask_…), shown once at creation" },
          session: { type: "apiKey", in: "cookie", name: "assent_session" },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true, uiConfig: { deepLinking: true } });

  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { config: { public: true }, schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await ctx.db.execute(sql`select 1`);
      return { status: "ready", database: ctx.database.kind };
    } catch {
      return reply.status(503).send({ status: "unavailable", database: ctx.database.kind });
    }
  });
  app.get("/metrics", { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    void reply.header("content-type", metricsRegistry.contentType);
    return metricsRegistry.metrics();
  });

  for (const mount of options.routes) await mount(app, ctx);
  await app.ready();
  return app;
}
