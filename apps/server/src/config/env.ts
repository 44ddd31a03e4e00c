import { z } from "zod";

/** Every environment variable Assent reads. Nothing else reads `process.env`. */
export const ZEnv = z.object({
  /** HTTP port of the API role. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Interface the HTTP server binds to. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** Directory of the embedded database and the generated master key (when DATABASE_URL is unset). */
  ASSENT_DATA_DIR: z.string().min(1).default("./data"),
  /** postgres://… — when set, Assent uses Postgres instead of the embedded PGlite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /** 32-byte master key, base64; wraps the per-workspace data keys. Required in production. */
  ASSENT_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes encoded as base64")
    .optional(),
  /** pino level. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Public base URL of this deployment (webhook URLs, signed links, Twilio signatures). */
  PUBLIC_URL: z.string().url().optional(),
  /** Size of the Postgres connection pool per process. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Trust X-Forwarded-* from a reverse proxy: "true", or the proxy's address/CIDR list. Off by default. */
  ASSENT_TRUST_PROXY: z.string().default("false"),
  /** Allow customer webhooks to private/loopback addresses (development, on-premise receivers). */
  ASSENT_WEBHOOKS_ALLOW_PRIVATE: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /**
   * Optional external intent model: base URL of an OpenAI-compatible API including its version prefix
   * ("http://127.0.0.1:11434/v1"). Unset (the default): no message text ever leaves the process.
   */
  ASSENT_INTENT_MODEL_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//i.test(v), "must be an http:// or https:// URL")
    .optional(),
  /** Model name sent in each chat-completions request; required with ASSENT_INTENT_MODEL_URL. */
  ASSENT_INTENT_MODEL_NAME: z.string().min(1).max(200).optional(),
  /** Bearer token of the external intent model (a secret: kept in the config, never logged). */
  ASSENT_INTENT_MODEL_API_KEY: z.string().min(1).max(4096).optional(),
  /** Budget of one external classification; the local result is used when it runs out. */
  ASSENT_INTENT_MODEL_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(800),
});
export type TEnv = z.infer<typeof ZEnv>;

/** The external intent model's settings (ASSENT_INTENT_MODEL_*); absent when it is off. */
export interface TIntentModelConfig {
  readonly baseUrl: string;
  readonly model: string;
  /** Secret: never log it. */
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
}

export interface TConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly masterKey: string | undefined;
  readonly logLevel: TEnv["LOG_LEVEL"];
  readonly publicUrl: string | undefined;
  readonly poolSize: number;
  readonly nodeEnv: TEnv["NODE_ENV"];
  readonly webhooksAllowPrivate: boolean;
  /** Fastify's trustProxy: false, true, or a list of proxy addresses. */
  readonly trustProxy: boolean | string;
  /** Optional external intent model (off unless ASSENT_INTENT_MODEL_URL is set). */
  readonly intentModel: TIntentModelConfig | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join("; ")}`);
  }
}

/** Parse an environment into the frozen config, naming every variable at fault. */
export function loadConfig(env: Record<string, string | undefined>): TConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = ZEnv.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? "?"), message: i.message })),
    );
  }
  const e = parsed.data;
  const intentProblems = [
    ...(e.ASSENT_INTENT_MODEL_URL && !e.ASSENT_INTENT_MODEL_NAME
      ? [{ variable: "ASSENT_INTENT_MODEL_NAME", message: "required when ASSENT_INTENT_MODEL_URL is set" }]
      : []),
    ...(!e.ASSENT_INTENT_MODEL_URL && (e.ASSENT_INTENT_MODEL_NAME || e.ASSENT_INTENT_MODEL_API_KEY)
      ? [
          {
            variable: "ASSENT_INTENT_MODEL_URL",
            message: "required when another ASSENT_INTENT_MODEL_ variable is set",
          },
        ]
      : []),
  ];
  if (intentProblems.length > 0) throw new ConfigError(intentProblems);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: e.ASSENT_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    masterKey: e.ASSENT_MASTER_KEY,
    logLevel: e.LOG_LEVEL,
    publicUrl: e.PUBLIC_URL,
    poolSize: e.DATABASE_POOL_SIZE,
    nodeEnv: e.NODE_ENV,
    webhooksAllowPrivate: e.ASSENT_WEBHOOKS_ALLOW_PRIVATE,
    trustProxy:
      e.ASSENT_TRUST_PROXY === "true"
        ? true
        : e.ASSENT_TRUST_PROXY === "false"
          ? false
          : e.ASSENT_TRUST_PROXY,
    intentModel:
      e.ASSENT_INTENT_MODEL_URL && e.ASSENT_INTENT_MODEL_NAME
        ? Object.freeze({
            baseUrl: e.ASSENT_INTENT_MODEL_URL,
            model: e.ASSENT_INTENT_MODEL_NAME,
            apiKey: e.ASSENT_INTENT_MODEL_API_KEY,
            timeoutMs: e.ASSENT_INTENT_MODEL_TIMEOUT_MS,
          })
        : undefined,
  });
}
