import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import type { TTx } from "../../core/db/tx.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { runIdempotent } from "../../core/idempotency.js";
import { isId } from "../../core/ids.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import type { TRouteModule } from "../../http/app.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import {
  CONTACT_CHANGES_CHANNEL,
  contactExists,
  getContact,
  resolveContactByAddress,
  ZContactChannel,
} from "../contacts/index.js";
import { campaignRoutes } from "./campaign-routes.js";
import { checkRoutes } from "./check-routes.js";
import { confirmConsent } from "./confirm-consent.js";
import { confirmLinkRoutes } from "./confirm-link-routes.js";
import { confirmLinkToken } from "./confirm-link-token.js";
import { type TLedgerEntry, ZCategory } from "./consent.types.js";
import { consentKeyRings, IDENTITY_KEY_NAME } from "./consent-key-rings.js";
import { createDecisionFactsLoader } from "./create-decision-facts-loader.js";
import { DecisionFactsCache } from "./decision-facts-cache.js";
import { findGrant } from "./find-grant.js";
import { getCampaign } from "./get-campaign.js";
import { getConsentState } from "./get-consent-state.js";
import { grantStanding } from "./grant-standing.js";
import { importConsents } from "./import-consents.js";
import { importCsvRoutes } from "./import-csv-routes.js";
import { listLedgerEntries } from "./list-ledger-entries.js";
import { optOutEffects } from "./opt-out-effects.js";
import {
  presentConsentState,
  presentGrant,
  presentLedgerEntry,
  type TGrantJson,
  ZConsentStateJson,
  ZGrant,
  ZLedgerEntry,
} from "./presenters.js";
import { proofRoutes } from "./proof-routes.js";
import { recordConsent } from "./record-consent.js";
import { recordOptIn } from "./record-opt-in.js";
import { recordOptOut } from "./record-opt-out.js";
import { revokeConsentScope } from "./revoke-consent-scope.js";
import {
  type TRecordConsentRequest,
  ZBrandFilter,
  ZConfirmRequest,
  ZIdParams,
  ZImportRequest,
  ZLedgerQuery,
  ZOptInRequest,
  ZOptOutRequest,
  ZRecordConsentRequest,
  ZWithdrawRequest,
} from "./routes.schema.js";
import { warmDecisionCaches } from "./warm-decision-caches.js";
import { withdrawConsent } from "./withdraw-consent.js";

const ZIdempotency = z.object({ "idempotency-key": z.string().optional() });
const ZOptOutResult = z.object({ ledgerEntryId: z.string(), alreadyOptedOut: z.boolean() });
const ZImportResult = z.object({
  imported: z.number(),
  contactsCreated: z.number(),
  skipped: z.array(z.object({ index: z.number(), reason: z.enum(["minor", "erased"]) })),
  alreadyOptedOut: z.number(),
});
const ZOptInResult = z.object({ ledgerEntryId: z.string().nullable(), resubscribed: z.boolean() });
/** `POST /v1/consents` with `"action": "revoke"`: the withdraw entries recorded and the grants they withdrew. */
const ZRevokeResult = z.object({
  action: z.literal("revoke"),
  contactId: z.string(),
  brandId: z.string(),
  campaignId: z.string().nullable(),
  category: ZCategory.nullable(),
  channels: z.array(ZContactChannel),
  /** One withdraw entry per grant, in the order of `withdrawn`. */
  ledgerEntryIds: z.array(z.string()),
  /** Each grant withdrawn, whole: it may cover channels beyond those asked for. */
  withdrawn: z.array(ZGrant),
  /**
   * A campaign's revoke: the brand-wide grants that covered the campaign and no longer do on these
   * channels (see `excludedCampaigns`); they still cover the brand's other campaigns.
   */
  narrowed: z.array(ZGrant).optional(),
  /** One withdraw entry per narrowed grant, in the order of `narrowed`. */
  narrowingEntryIds: z.array(z.string()).optional(),
});
type TRevokeResult = z.infer<typeof ZRevokeResult>;
/** `GET /v1/contacts/{id}/consents`: the current state (grants per scope, opt-outs) and every ledger entry. */
const ZContactConsents = ZConsentStateJson.extend({ history: z.array(ZLedgerEntry) });
const HISTORY_PAGE = 500;

/**
 * What a grant's Idempotency-Key is checked against: the request with its defaults filled in, in the
 * order the schema had before `action` existed, so that a retry across versions still matches.
 */
function grantPayload(b: TRecordConsentRequest): unknown {
  return {
    contactId: b.contactId,
    contact: b.contact,
    brandId: b.brandId,
    campaignId: b.campaignId,
    // Absent stays absent: it means the campaign's category (or marketing without a campaign).
    category: b.category,
    channels: b.channels,
    basis: b.basis ?? "consent",
    evidence: b.evidence,
    effectiveAt: b.effectiveAt,
    expiresAt: b.expiresAt,
    implied: b.implied,
    doubleOptIn: b.doubleOptIn,
    action: b.action,
  };
}

/**
 * A grant as JSON. `withConfirmLink` only in the answer that created it: the signed link confirms the
 * double opt-in as the contact's own act, so it is handed once, to the writer who must send it to the
 * person, and never to a later reader (a `consent:read` key could otherwise confirm it).
 */
async function grantJson(
  tx: TTx,
  keys: TWorkspaceKeys,
  workspaceId: string,
  grantId: string,
  at: Date,
  withConfirmLink = false,
): Promise<TGrantJson> {
  const g = await findGrant(tx, { workspaceId, grantId });
  const standing = grantStanding(g, at);
  const token =
    withConfirmLink && standing === "pending" && g.confirmBy
      ? confirmLinkToken.create(keys, { workspaceId, grantId, expiresAt: g.confirmBy })
      : undefined;
  return presentGrant(g.contactId, g, standing, token);
}

function contactParam(id: string): string {
  if (!isId("ctc", id)) throw notFound("contact");
  return id;
}

export interface TConsentRoutesOptions {
  /** Staleness bound of the advisory check API's warm cache while its change feed is down (default 2 s). */
  decisionCacheTtlMs?: number;
  /** How long a contact written in this process bypasses that cache (default 1 s, at most the TTL). */
  decisionCacheSettleMs?: number;
}

/**
 * The consent ledger over HTTP: grants with evidence, confirmation (by API or signed link), withdrawal,
 * opt-out/in, state, proof (JSON, CSV, HTML), imports, and the decision check API.
 */
export function createConsentRoutes(options: TConsentRoutesOptions = {}): TRouteModule {
  return async (app, ctx) => {
    consentKeyRings.use(ctx.keys);
    // Created here, outside any transaction, so that writers only ever find it (see consentKeyRings).
    await ctx.keys.platformKey(ctx.db, IDENTITY_KEY_NAME);
    const cache = new DecisionFactsCache(
      createDecisionFactsLoader(ctx),
      options.decisionCacheTtlMs,
      options.decisionCacheSettleMs,
    );
    // Writers in any process NOTIFY when a contact's decision facts change; the cache drops the contact
    // when their transaction commits (see DecisionFactsCache for what happens while the feed is down).
    const feed = await ctx.database.listen(CONTACT_CHANGES_CHANNEL, {
      onPayload: (payload) => DecisionFactsCache.changed(payload),
      onState: (up) => cache.changeFeed(up),
    });
    // The send pipeline's accept-time decisions use it too (decideWarm).
    warmDecisionCaches.register(ctx, cache);
    app.addHook("onClose", async () => {
      warmDecisionCaches.forget(ctx, cache);
      cache.close();
      await feed.close();
    });
    campaignRoutes(app, ctx);
    checkRoutes(app, ctx, cache);
    proofRoutes(app, ctx);
    confirmLinkRoutes(app, ctx);
    await importCsvRoutes(app, ctx);
    ledgerRoutes(app, ctx);
  };
}

/** The consent routes with the default cache bound. */
export const consentRoutes: TRouteModule = createConsentRoutes();

function ledgerRoutes(app: TApp, ctx: TAppContext): void {
  app.post(
    "/v1/consents",
    {
      schema: {
        tags: ["consent"],
        summary:
          "Record a consent with its evidence, or (action revoke) withdraw a contact's consents in a scope",
        body: ZRecordConsentRequest,
        headers: ZIdempotency,
        response: { 201: z.union([ZGrant, ZRevokeResult]) },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "consent:write");
      const b = request.body;
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      if (b.action === "revoke") {
        const result = await runIdempotent({
          db: ctx.db,
          workspaceId: p.workspaceId,
          keys,
          key: request.headers["idempotency-key"],
          route: "POST /v1/consents",
          payload: b,
          run: async (tx) => {
            const at = ctx.clock();
            const contactId = b.contactId ?? "";
            if (!isId("ctc", contactId))
              throw new AppError("not_found", { message: "contact not found", field: "contactId" });
            const revoked = await revokeConsentScope(tx, keys, {
              workspaceId: p.workspaceId,
              contactId,
              brandId: b.brandId,
              campaignId: b.campaignId,
              channels: b.channels,
              category: b.category,
              evidence: b.evidence,
              actor: actorOf(p),
              requestId: String(request.id),
              at,
            });
            const withdrawn: TGrantJson[] = [];
            for (const id of revoked.grantIds)
              withdrawn.push(await grantJson(tx, keys, p.workspaceId, id, at));
            const narrowed: TGrantJson[] = [];
            for (const id of revoked.narrowedGrantIds)
              narrowed.push(await grantJson(tx, keys, p.workspaceId, id, at));
            const body: TRevokeResult = {
              action: "revoke",
              contactId,
              brandId: b.brandId,
              campaignId: b.campaignId ?? null,
              category: b.category ?? null,
              channels: [...new Set(b.channels)],
              ledgerEntryIds: revoked.withdrawals.map((e) => e.id),
              withdrawn,
              narrowed,
              narrowingEntryIds: revoked.narrowings.map((e) => e.id),
            };
            return { statusCode: 201, body };
          },
        });
        return reply.status(201).send(result.body as TRevokeResult);
      }
      const basis = b.basis ?? "consent";
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys: await ctx.keys.forWorkspace(ctx.db, p.workspaceId),
        key: request.headers["idempotency-key"],
        route: "POST /v1/consents",
        payload: grantPayload(b),
        run: async (tx) => {
          const at = ctx.clock();
          const actor = actorOf(p);
          const requestId = String(request.id);
          const contactId = b.contact
            ? (
                await resolveContactByAddress(tx, keys, {
                  workspaceId: p.workspaceId,
                  ...b.contact,
                  create: true,
                  field: "contact.address",
                  assignedOnly: true,
                  actor,
                  requestId,
                })
              )?.contactId
            : b.contactId;
          if (!contactId || !isId("ctc", contactId))
            throw new AppError("not_found", { message: "contact not found", field: "contactId" });
          // Without a category, a campaign's grant is of the campaign's category (as the check defaults);
          // recordConsent refuses a campaign of another brand or workspace.
          const category =
            b.category ??
            (b.campaignId
              ? (await getCampaign(tx, { workspaceId: p.workspaceId, campaignId: b.campaignId }))?.category
              : undefined) ??
            "marketing";
          const grant = await recordConsent(tx, keys, {
            workspaceId: p.workspaceId,
            contactId,
            brandId: b.brandId,
            campaignId: b.campaignId,
            category,
            channels: b.channels,
            basis,
            evidence: b.evidence,
            effectiveAt: b.effectiveAt ? new Date(b.effectiveAt) : undefined,
            expiresAt: b.expiresAt ? new Date(b.expiresAt) : undefined,
            implied: b.implied,
            doubleOptIn: b.doubleOptIn,
            actor,
            requestId,
            at,
          });
          return { statusCode: 201, body: await grantJson(tx, keys, p.workspaceId, grant.id, at, true) };
        },
      });
      return reply.status(201).send(result.body as TGrantJson);
    },
  );

  app.get(
    "/v1/contacts/:id/consents",
    {
      schema: {
        tags: ["consent"],
        summary: "A contact's current consent per scope and its full ledger history, in one answer",
        params: ZIdParams,
        querystring: ZBrandFilter,
        response: { 200: ZContactConsents },
      },
    },
    async (request) => {
      const p = authorize(request, "consent:read");
      const contactId = contactParam(request.params.id);
      const brandId = request.query.brandId;
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      return withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        if (!(await getContact(tx, keys, { workspaceId: p.workspaceId, contactId })))
          throw notFound("contact");
        const state = await getConsentState(tx, {
          workspaceId: p.workspaceId,
          contactId,
          brandId,
          at: ctx.clock(),
        });
        const history: TLedgerEntry[] = [];
        for (let afterSeq = 0; ; ) {
          const found = await listLedgerEntries(tx, {
            workspaceId: p.workspaceId,
            contactId,
            brandId,
            afterSeq,
            limit: HISTORY_PAGE,
          });
          const page = found.slice(0, HISTORY_PAGE);
          history.push(...page);
          const last = page[page.length - 1];
          if (found.length <= HISTORY_PAGE || !last) break;
          afterSeq = last.seq;
        }
        return { ...presentConsentState(state), history: history.map(presentLedgerEntry) };
      });
    },
  );

  app.post(
    "/v1/consents/import",
    {
      schema: {
        tags: ["consent"],
        summary:
          "Import consents gathered elsewhere, or a suppression list (up to 1000 records, all or nothing)",
        body: ZImportRequest,
        headers: ZIdempotency,
        response: { 201: ZImportResult },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "consent:write");
      const b = request.body;
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys,
        key: request.headers["idempotency-key"],
        route: "POST /v1/consents/import",
        payload: b,
        run: async (tx) => ({
          statusCode: 201,
          body: await importConsents(tx, keys, {
            workspaceId: p.workspaceId,
            brandId: b.brandId,
            records: b.records.map((r) => ({
              ...r,
              effectiveAt: r.effectiveAt ? new Date(r.effectiveAt) : undefined,
            })),
            grant: b.grant
              ? { ...b.grant, expiresAt: b.grant.expiresAt ? new Date(b.grant.expiresAt) : undefined }
              : undefined,
            optOut: b.optOut,
            actor: actorOf(p),
            requestId: String(request.id),
            at: ctx.clock(),
          }),
        }),
      });
      return reply.status(201).send(result.body as z.infer<typeof ZImportResult>);
    },
  );

  app.get(
    "/v1/consents/:id",
    {
      schema: {
        tags: ["consent"],
        summary: "Get a consent and its standing",
        params: ZIdParams,
        response: { 200: ZGrant },
      },
    },
    async (request) => {
      const p = authorize(request, "consent:read");
      if (!isId("cns", request.params.id)) throw notFound("consent");
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      return withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        grantJson(tx, keys, p.workspaceId, request.params.id, ctx.clock()),
      );
    },
  );

  for (const action of ["confirm", "withdraw"] as const) {
    app.post(
      `/v1/consents/:id/${action}`,
      {
        schema: {
          tags: ["consent"],
          summary: action === "confirm" ? "Confirm a double opt-in consent" : "Withdraw a consent",
          params: ZIdParams,
          body: action === "confirm" ? ZConfirmRequest : ZWithdrawRequest,
          headers: ZIdempotency,
          response: { 200: ZGrant },
        },
      },
      async (request) => {
        const p = authorize(request, "consent:write");
        if (!isId("cns", request.params.id)) throw notFound("consent");
        const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
        const body = request.body as z.infer<typeof ZConfirmRequest> & z.infer<typeof ZWithdrawRequest>;
        const result = await runIdempotent({
          db: ctx.db,
          workspaceId: p.workspaceId,
          keys,
          key: request.headers["idempotency-key"],
          route: `POST /v1/consents/${request.params.id}/${action}`,
          payload: body,
          run: async (tx) => {
            const at = ctx.clock();
            const o = {
              workspaceId: p.workspaceId,
              grantId: request.params.id,
              channel: body.channel,
              messageId: body.messageId,
              actor: actorOf(p),
              requestId: String(request.id),
              at,
            };
            if (action === "confirm") await confirmConsent(tx, { ...o, method: body.method ?? "link" });
            else await withdrawConsent(tx, { ...o, method: p.kind === "user" ? "agent" : "api" });
            return { statusCode: 200, body: await grantJson(tx, keys, p.workspaceId, request.params.id, at) };
          },
        });
        return result.body as TGrantJson;
      },
    );
  }

  app.post(
    "/v1/contacts/:id/opt-out",
    {
      schema: {
        tags: ["consent"],
        summary: "Opt a contact out of a brand (everything, or marketing only)",
        params: ZIdParams,
        body: ZOptOutRequest,
        headers: ZIdempotency,
        response: { 201: ZOptOutResult },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "consent:write");
      const contactId = contactParam(request.params.id);
      const b = request.body;
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys: await ctx.keys.forWorkspace(ctx.db, p.workspaceId),
        key: request.headers["idempotency-key"],
        route: `POST /v1/contacts/${contactId}/opt-out`,
        payload: b,
        run: async (tx) => {
          const at = ctx.clock();
          const method = p.kind === "user" ? "agent" : "api";
          // Copies carried to contacts linked as the same person are in the ledger, not in this answer.
          const recorded = await recordOptOut(tx, {
            workspaceId: p.workspaceId,
            brandId: b.brandId,
            contactId,
            scope: b.scope,
            channel: b.channel,
            evidence: { method, ...(b.messageId ? { messageId: b.messageId } : {}) },
            actor: actorOf(p),
            requestId: String(request.id),
            at,
          });
          // The queues it forbids (the contact's and its copies'), and contact.opted_out for each.
          await optOutEffects.apply(tx, [
            {
              workspaceId: p.workspaceId,
              brandId: b.brandId,
              contactId,
              scope: b.scope,
              channel: b.channel,
              method,
              inboundMessageId: b.messageId !== undefined && isId("inb", b.messageId) ? b.messageId : null,
              recorded,
              at,
            },
          ]);
          const { ledgerEntryId, alreadyOptedOut } = recorded;
          return { statusCode: 201, body: { ledgerEntryId, alreadyOptedOut } };
        },
      });
      return reply.status(201).send(result.body as z.infer<typeof ZOptOutResult>);
    },
  );

  app.post(
    "/v1/contacts/:id/opt-in",
    {
      schema: {
        tags: ["consent"],
        summary: "Lift a contact's opt-out from a brand (re-subscribe)",
        params: ZIdParams,
        body: ZOptInRequest,
        headers: ZIdempotency,
        response: { 200: ZOptInResult },
      },
    },
    async (request) => {
      const p = authorize(request, "consent:write");
      const contactId = contactParam(request.params.id);
      const b = request.body;
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys: await ctx.keys.forWorkspace(ctx.db, p.workspaceId),
        key: request.headers["idempotency-key"],
        route: `POST /v1/contacts/${contactId}/opt-in`,
        payload: b,
        run: async (tx) => ({
          statusCode: 200,
          body: await recordOptIn(tx, {
            workspaceId: p.workspaceId,
            brandId: b.brandId,
            contactId,
            channel: b.channel,
            scope: b.scope,
            source: b.source,
            evidence: { method: b.method, ...(b.messageId ? { messageId: b.messageId } : {}) },
            actor: actorOf(p),
            requestId: String(request.id),
            at: ctx.clock(),
          }),
        }),
      });
      return result.body as z.infer<typeof ZOptInResult>;
    },
  );

  app.get(
    "/v1/contacts/:id/consent",
    {
      schema: {
        tags: ["consent"],
        summary: "A contact's current consent and opt-outs",
        params: ZIdParams,
        querystring: ZBrandFilter,
        response: { 200: ZConsentStateJson },
      },
    },
    async (request) => {
      const p = authorize(request, "consent:read");
      const contactId = contactParam(request.params.id);
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      return withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        if (!(await getContact(tx, keys, { workspaceId: p.workspaceId, contactId })))
          throw notFound("contact");
        return presentConsentState(
          await getConsentState(tx, {
            workspaceId: p.workspaceId,
            contactId,
            brandId: request.query.brandId,
            at: ctx.clock(),
          }),
        );
      });
    },
  );

  app.get(
    "/v1/contacts/:id/consent/ledger",
    {
      schema: {
        tags: ["consent"],
        summary: "A contact's consent ledger, in order",
        params: ZIdParams,
        querystring: ZLedgerQuery,
        response: { 200: z.object({ data: z.array(ZLedgerEntry), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "consent:read");
      const contactId = contactParam(request.params.id);
      const q = request.query;
      const afterSeq = q.cursor !== undefined && /^\d{1,15}$/.test(q.cursor) ? Number(q.cursor) : 0;
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        const entries = await listLedgerEntries(tx, {
          workspaceId: p.workspaceId,
          contactId,
          brandId: q.brandId,
          afterSeq,
          limit: q.limit,
        });
        // Entries are the contact's own (row-level security): only an empty page needs to ask whether the
        // contact is one of this workspace, as /consents does.
        if (entries.length === 0 && !(await contactExists(tx, { workspaceId: p.workspaceId, contactId })))
          throw notFound("contact");
        return entries;
      });
      const data = found.slice(0, q.limit);
      const last = data[data.length - 1];
      return {
        data: data.map(presentLedgerEntry),
        nextCursor: found.length > q.limit && last ? String(last.seq) : null,
      };
    },
  );
}
