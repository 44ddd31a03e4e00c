import type { TAppContext } from "../../core/context.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { checkConsent, type TCheckConsentInput, type TCheckConsentResult } from "./check-consent.js";
import { checkJsonText } from "./check-json-text.js";
import type { DecisionFactsCache } from "./decision-facts-cache.js";
import { presentCheck, presentDecision, type TCheckJson, ZCheckJson, ZDecisionJson } from "./presenters.js";
import { ZCheckRequest, ZDecisionRequest } from "./routes.schema.js";

/** The answer is a small flat object already shaped by its presenter: plain JSON.stringify is enough. */
const plainJson = () => (data: unknown) => JSON.stringify(data);

/**
 * The advisory decision API for any sender: `POST /v1/consent/check` (and its older spelling
 * `POST /v1/consent/decisions`), answered from the warm decision-facts cache.
 */
export function checkRoutes(app: TApp, ctx: TAppContext, cache: DecisionFactsCache): void {
  // Workspace keys never change under a running key ring: kept here, the hot path needs no promise.
  const known = new Map<string, TWorkspaceKeys>();
  const keysFor = async (workspaceId: string) => {
    const keys = await ctx.keys.forWorkspace(ctx.db, workspaceId);
    if (known.size >= 10_000) known.clear();
    known.set(workspaceId, keys);
    return keys;
  };
  /** Answers at once when keys and facts are warm, else through a promise. */
  const run = <T>(input: TCheckConsentInput, present: (r: TCheckConsentResult) => T): T | Promise<T> => {
    const keys = known.get(input.workspaceId);
    const answer = keys
      ? checkConsent(cache, keys, input)
      : keysFor(input.workspaceId).then((k) => checkConsent(cache, k, input));
    return answer instanceof Promise ? answer.then(present) : present(answer);
  };

  app.post(
    "/v1/consent/check",
    {
      schema: {
        tags: ["consent"],
        summary: "Would this send be allowed? (any sender, calls included; advisory, ≤ 2 s stale)",
        body: ZCheckRequest,
        response: { 200: ZCheckJson },
      },
      serializerCompiler: () => (data: unknown) => checkJsonText(data as TCheckJson),
      // JSON only, on the hottest path of the API: the short OWASP REST header set.
      config: { securityHeaders: "api" },
    },
    (request) => {
      const p = authorize(request, "consent:read");
      const b = request.body;
      // Every field written out (no spread): one object shape for every request on the hot path.
      const input: TCheckConsentInput = {
        workspaceId: p.workspaceId,
        contactId: b.contactId,
        to: b.to,
        toField: undefined,
        brandId: b.brandId,
        campaignId: b.campaignId,
        channel: b.channel,
        category: b.category,
        at: b.at ? new Date(b.at) : ctx.clock(),
      };
      return run(input, (r) => presentCheck(r.decision, r.contactId, r.optOutPropensity));
    },
  );

  app.post(
    "/v1/consent/decisions",
    {
      schema: {
        tags: ["consent"],
        summary: "Older spelling of POST /v1/consent/check (address instead of to; category required)",
        body: ZDecisionRequest,
        response: { 200: ZDecisionJson },
      },
      serializerCompiler: plainJson,
      // JSON only, on the hottest path of the API: the short OWASP REST header set.
      config: { securityHeaders: "api" },
    },
    (request) => {
      const p = authorize(request, "consent:read");
      const b = request.body;
      const input: TCheckConsentInput = {
        workspaceId: p.workspaceId,
        contactId: b.contactId,
        to: b.address,
        toField: "address",
        brandId: b.brandId,
        campaignId: b.campaignId,
        channel: b.channel,
        category: b.category,
        at: b.at ? new Date(b.at) : ctx.clock(),
      };
      return run(input, (r) => presentDecision(r.decision, r.contactId));
    },
  );
}
