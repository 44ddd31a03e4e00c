import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAuthTestServer,
  randomIp,
  type TAuthTestServer,
  type TSignedIn,
} from "../src/modules/auth/testing/auth-test-server.js";
import type { TBootstrapResult } from "../src/modules/workspaces/index.js";

/**
 * Every mounted route (read from the router itself, so routes added later are covered without editing
 * this file) gets random and malformed path params, query strings and bodies — unauthenticated, with an
 * all-scopes API key and with an owner's session. Never a 5xx; and an unsafe request answered 4xx
 * leaves every table of schema public exactly as it was.
 */

interface TRoute {
  method: string;
  url: string;
}

/** Parse `printRoutes({ commonPrefix: false })`: a tree whose lines append a segment to their parent's path. */
function parseRouteTree(tree: string): TRoute[] {
  const out: TRoute[] = [];
  const stack: string[] = [];
  for (const line of tree.split("\n")) {
    const m = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? "").length / 4;
    const path = (stack[depth - 1] ?? "") + (m[2] ?? "");
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (m[3] ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)) {
      if (method !== "HEAD" && method !== "OPTIONS") out.push({ method, url: path });
    }
  }
  return out;
}

type TSchema = {
  type?: string | string[];
  properties?: Record<string, TSchema>;
  required?: string[];
  items?: TSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: TSchema[];
  oneOf?: TSchema[];
  allOf?: TSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
};
type TOperation = {
  parameters?: { in: string; name: string; schema?: TSchema }[];
  requestBody?: { content?: Record<string, { schema?: TSchema }> };
};

let s: TAuthTestServer;
let own: TBootstrapResult;
let victim: TBootstrapResult;
let session: TSignedIn | null = null;
let routes: TRoute[] = [];
let operations: Record<string, Record<string, TOperation>> = {};
let tables: string[] = [];
let idPool: string[] = [];

/** Bounded, varied strings: random text, ids of both workspaces, and a few classic troublemakers. */
const hostileStrings = [
  "",
  " ",
  "null",
  "undefined",
  "0",
  "-1",
  "1e309",
  "NaN",
  "true",
  "[]",
  "{}",
  "%00",
  "\u0000",
  "'; drop table users; --",
  "../../etc/passwd",
  "<script>",
  "ws_",
  "x".repeat(300),
  "😀",
  "\uD800",
  "__proto__",
  "constructor",
];
const rawPathSegments = ["%", "%zz", "%ff%fe", "%2e%2e", "..", "%2F", "a%00b", "%C0%AF"];
const safeEncode = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, "?"));
  }
};
const anyString = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.constantFrom(...idPool) },
    { weight: 2, arbitrary: fc.constantFrom(...hostileStrings) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  );
const anyJson = (): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: anyString() });

/** A value shaped by the route's JSON schema (so handlers, not only validators, get exercised). */
function fromSchema(schema: TSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return anyJson();
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a) => fromSchema(a, depth + 1)));
  if (schema.allOf && schema.allOf.length > 0)
    return fromSchema(schema.allOf[schema.allOf.length - 1], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      if (schema.format === "email") return fc.emailAddress();
      if (schema.format === "date-time") return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.pattern) return fc.oneof(fc.stringMatching(new RegExp(schema.pattern)), anyString());
      return fc.oneof(
        fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }),
        anyString(),
      );
    case "integer":
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(fromSchema(schema.items, depth + 1), { maxLength: 4 });
    case "object": {
      const props = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, depth + 1)]));
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
    }
    default:
      return anyJson();
  }
}

function operationOf(route: TRoute): TOperation | undefined {
  const openApiPath = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
  return operations[openApiPath]?.[route.method.toLowerCase()];
}

type TBody =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "raw"; contentType: string; text: string };

function bodyArbitrary(route: TRoute): fc.Arbitrary<TBody> {
  const schema = operationOf(route)?.requestBody?.content?.["application/json"]?.schema;
  const mutated = fromSchema(schema).chain((v) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? fc
          .record({ k: fc.constantFrom(...Object.keys(v), "extra"), x: anyJson() })
          .map(({ k, x }) => ({ ...v, [k]: x }))
      : fc.constant(v),
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<TBody>({ kind: "none" }) },
    { weight: 4, arbitrary: fromSchema(schema).map((value): TBody => ({ kind: "json", value })) },
    { weight: 2, arbitrary: mutated.map((value): TBody => ({ kind: "json", value })) },
    { weight: 2, arbitrary: anyJson().map((value): TBody => ({ kind: "json", value })) },
    {
      weight: 1,
      arbitrary: fc
        .record({
          contentType: fc.constantFrom(
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "application/xml",
          ),
          text: fc.oneof(
            fc.string({ maxLength: 60 }),
            fc.constantFrom("{", '{"a":', "[1,2", "email=a%40b.c&password=x", "\u0000"),
          ),
        })
        .map((r): TBody => ({ kind: "raw", ...r })),
    },
  );
}

function queryArbitrary(route: TRoute): fc.Arbitrary<[string, string][]> {
  const params = (operationOf(route)?.parameters ?? []).filter((p) => p.in === "query");
  const known = params.map((p) =>
    fc.option(
      fromSchema(p.schema).map((v): [string, string] => [
        p.name,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
      { nil: undefined },
    ),
  );
  return fc
    .tuple(
      fc.tuple(...known),
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom("limit", "cursor", "format", "from", "to", "x", "__proto__"),
            fc.string({ maxLength: 8 }),
          ),
          anyString(),
        ),
        { maxLength: 3 },
      ),
    )
    .map(([k, extra]) => [...k.filter((x): x is [string, string] => x !== undefined), ...extra]);
}

function pathArbitrary(route: TRoute): fc.Arbitrary<string> {
  const parts = route.url
    .split("/")
    .map((seg) =>
      seg.startsWith(":") || seg === "*"
        ? fc.oneof(
            { weight: 5, arbitrary: anyString().map(safeEncode) },
            { weight: 1, arbitrary: fc.constantFrom(...rawPathSegments) },
          )
        : fc.constant(seg),
    );
  return fc.tuple(...parts).map((segs) => segs.join("/"));
}

async function rowCounts(): Promise<Record<string, number>> {
  const sql = `select json_build_object(${tables.map((t) => `'${t}', (select count(*) from "${t}")`).join(", ")}) as c`;
  const r = await s.database.query<{ c: Record<string, number> | string }>(sql);
  const c = r[0]?.c ?? {};
  return typeof c === "string" ? JSON.parse(c) : c;
}

/** Failed authentications are recorded on purpose (lockout counter, audit of the attempt): docs/auth.md. */
const recordsFailures: Record<string, string[]> = {
  "POST /v1/auth/login": ["audit_log", "audit_heads"],
  "POST /v1/auth/accept-invitation": ["audit_log", "audit_heads"],
  "POST /v1/auth/mfa/verify": ["audit_log", "audit_heads"],
  "POST /v1/auth/mfa/disable": ["audit_log", "audit_heads"],
};

async function liveSession(): Promise<TSignedIn> {
  session ??= await s.signIn({
    email: own.user.email,
    password: own.user.password,
    workspaceId: own.workspaceId,
  });
  return session;
}

beforeAll(async () => {
  s = await createAuthTestServer();
  own = await s.workspace("Fuzz");
  victim = await s.workspace("Victim");
  routes = parseRouteTree(s.app.printRoutes({ commonPrefix: false }));
  operations = (s.app.swagger() as { paths?: Record<string, Record<string, TOperation>> }).paths ?? {};
  tables = (
    await s.database.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
    )
  ).map((r) => r.table_name);
  const ids = await s.database.query<{ id: string }>(
    `select id from brands union all select id from api_keys where workspace_id = $1
     union all select user_id from memberships union all select id from workspaces`,
    [victim.workspaceId],
  );
  idPool = [
    ...ids.map((r) => r.id),
    own.brandId,
    "brd_00000000000000000000000000",
    "ws_00000000000000000000000000",
  ];
});
afterAll(async () => s.close());

/** The property for one route: random auth, path, query and body; checks status and row counts. */
function fuzzRoute(route: TRoute) {
  const unsafe = route.method !== "GET";
  const key = `${route.method} ${route.url}`;
  return fc.asyncProperty(
    fc.constantFrom("none", "api_key", "session", "session_no_csrf"),
    pathArbitrary(route),
    queryArbitrary(route),
    bodyArbitrary(route),
    fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
    async (auth, path, query, body, idempotencyKey) => {
      const headers: Record<string, string> = { "x-forwarded-for": randomIp() };
      if (auth === "api_key") headers.authorization = `Bearer ${own.apiKey}`;
      if (auth.startsWith("session")) {
        const me = await liveSession();
        headers.cookie = me.cookie;
        if (auth === "session") headers["x-csrf-token"] = me.csrfToken;
      }
      if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
      let payload: string | undefined;
      if (body.kind === "json" && route.method !== "GET") {
        headers["content-type"] = "application/json";
        payload = JSON.stringify(body.value) ?? "null";
      } else if (body.kind === "raw" && route.method !== "GET") {
        headers["content-type"] = body.contentType;
        payload = body.text;
      }
      const qs = new URLSearchParams(query).toString();
      const url = `${path}${qs ? `?${qs}` : ""}`;
      const before = unsafe ? await rowCounts() : undefined;
      const r = await s.app.inject({
        method: route.method as "GET",
        url,
        headers,
        ...(payload === undefined ? {} : { payload }),
      });
      const label = `${route.method} ${url} [${auth}] ${payload ?? ""} → ${r.statusCode} ${r.body.slice(0, 300)}`;
      expect(r.statusCode, label).toBeLessThan(500);
      if (r.statusCode < 300 && /^\/v1\/auth\/logout/.test(route.url) && auth.startsWith("session"))
        session = null;
      if (before && r.statusCode >= 400) {
        const after = await rowCounts();
        for (const t of recordsFailures[key] ?? []) {
          delete before[t];
          delete after[t];
        }
        expect(after, label).toEqual(before);
      }
    },
  );
}

describe("route fuzzing", () => {
  it("finds every mounted route, including the ones in the OpenAPI document", () => {
    expect(routes.length).toBeGreaterThan(20);
    // The parser is right when the router knows every path it produced (wildcards are matched, not looked up).
    for (const r of routes.filter((x) => !x.url.endsWith("*"))) {
      expect(s.app.hasRoute({ method: r.method as "GET", url: r.url }), `${r.method} ${r.url}`).toBe(true);
    }
    for (const [path, ops] of Object.entries(operations)) {
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{([^}]+)\}/g, ":$1");
        expect(routes, `${method} ${path}`).toContainEqual({ method: method.toUpperCase(), url });
      }
    }
  });

  it("never answers 5xx, and a 4xx to an unsafe method writes nothing", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const failures: string[] = [];
    // 30 runs a route, fewer as routes are added, so the file stays near half a minute.
    const numRuns = Math.max(10, Math.min(30, Math.floor(1800 / routes.length)));
    for (const route of routes) {
      const details = await fc.check(fuzzRoute(route), { numRuns, seed });
      if (details.failed) {
        const error =
          details.errorInstance instanceof Error
            ? details.errorInstance.message
            : String(details.errorInstance);
        failures.push(`${route.method} ${route.url} (FUZZ_SEED=${seed}): ${error.split("\n")[0]}`);
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);
});
