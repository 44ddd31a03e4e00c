import { hash, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import type { TAppContext } from "../../../core/context.js";
import { rows, withSystemTx, withWorkspaceTx } from "../../../core/db/tx.js";
import { AppError } from "../../../core/errors.js";
import type { TRouteModule } from "../../../http/app.js";
import type { TApp } from "../../../http/types.js";
import { activeChannelAccounts, cachedChannelAccounts } from "../channel-account-cache.js";
import { contentRules } from "../content-rules.js";
import type { TMessageDbRow } from "../message-row.js";
import { messageColumns } from "../message-row.js";
import type { TChannelAccountRow, TMessageContent } from "../messaging.types.js";
import { normalizeRecipient } from "../normalize-recipient.js";
import { checkWebhookUrl, type TResolveHost, type TUrlPolicy } from "../ports.js";
import { contentKindOf, segmentsOf } from "../prepare-send-work.js";
import { getSendBatcher } from "../send-batcher.js";
import type { TSendWork } from "../send-work.js";
import { authenticateTwilioCaller } from "./authenticate-twilio-caller.js";
import { callbackKey } from "./callback-key.js";
import { listTwilioMessages } from "./list-twilio-messages.js";
import { loadTwilioMessages } from "./load-twilio-messages.js";
import { presentTwilioMessage, presentTwilioPage, storedTwilioView } from "./present-twilio-message.js";
import { TwilioApiError, twilioCodeForRefusal, twilioErrors } from "./twilio-errors.js";
import { parseTwilioListQuery, resolveTwilioListFilter } from "./twilio-list-query.js";

/** A parameter's text: one value, no NUL (Postgres text cannot hold it). */
const ZParam = (max: number) =>
  z
    .string()
    .max(max)
    .refine((v) => !v.includes("\u0000"), "must not contain NUL characters");
const ZTwilioSend = z.looseObject({
  To: ZParam(300).optional(),
  From: ZParam(300).optional(),
  MessagingServiceSid: ZParam(100).optional(),
  Body: ZParam(100_000).optional(),
  MediaUrl: z.union([ZParam(2048), z.array(ZParam(2048))]).optional(),
  StatusCallback: ZParam(4096).optional(),
  ScheduleType: ZParam(32).optional(),
  SendAt: ZParam(64).optional(),
});
type TTwilioSend = z.infer<typeof ZTwilioSend>;

const ZHttpUrl = z.url({ protocol: /^https?$/ }).max(2048);
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
/** `SendAt`: ISO 8601 date and time, `Z` (as Twilio writes it) or an offset. */
const ZSendAt = z.iso.datetime({ offset: true });
/** Twilio's scheduling window, inclusive: 15 minutes (900 s) to 35 days (3,024,000 s) ahead. */
const SCHEDULE_MIN_MS = 900_000;
const SCHEDULE_MAX_MS = 3_024_000_000;

/**
 * When the caller scheduled the message (`ScheduleType=fixed` with `SendAt`), else undefined; Twilio's
 * errors otherwise: 35126 (ScheduleType not `fixed`, or SendAt without it), 35111 (no SendAt), 35114
 * (unparseable, or outside the window). Unlike Twilio, `From` alone may name the sender (docs/messaging.md).
 */
function scheduledAtOf(b: TTwilioSend, now: Date): Date | undefined {
  const type = b.ScheduleType ?? "";
  const sendAt = b.SendAt ?? "";
  if (type === "" && sendAt === "") return undefined;
  if (type !== "fixed") throw twilioErrors.scheduleType();
  if (sendAt === "") throw twilioErrors.sendAtMissing();
  const at = ZSendAt.safeParse(sendAt).success ? Date.parse(sendAt) : Number.NaN;
  if (Number.isNaN(at))
    throw twilioErrors.sendAtUnsupported("must be an ISO 8601 date and time, such as 2026-05-15T14:30:00Z");
  const ahead = at - now.getTime();
  if (ahead < SCHEDULE_MIN_MS || ahead > SCHEDULE_MAX_MS)
    throw twilioErrors.sendAtUnsupported("must be between 15 minutes and 35 days in the future");
  return new Date(at);
}

/** Idempotency keys are at most this long (as `Idempotency-Key` on /v1/messages). */
const MAX_IDEMPOTENCY_TOKEN = 255;

/**
 * The `I-Twilio-Idempotency-Token` header: none when absent or empty. A longer token than we keep is
 * refused (21100 naming the header) before anything is stored, never ignored: ignoring it would store,
 * and send, each retry of the request again.
 */
function idempotencyTokenOf(header: string | string[] | undefined): string | undefined {
  const token = Array.isArray(header) ? header.join(", ") : header;
  if (token === undefined || token === "") return undefined;
  if (token.length > MAX_IDEMPOTENCY_TOKEN) throw twilioErrors.invalidParameter("I-Twilio-Idempotency-Token");
  return token;
}

/** The StatusCallback URL as stored, or Twilio's 21609 naming the field and why it was refused. */
async function checkedCallback(raw: string | undefined, policy: TUrlPolicy): Promise<string | undefined> {
  if (raw === undefined || raw === "") return undefined;
  if (!ZHttpUrl.safeParse(raw).success) throw twilioErrors.invalidCallback("must be an http or https URL");
  const checked = await checkWebhookUrl(raw, policy);
  if (!checked.ok) throw twilioErrors.invalidCallback(checked.message);
  return raw;
}

function send(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof TwilioApiError) return reply.status(error.status).send(error.toJSON());
  if (error instanceof AppError) {
    if (error.code === "idempotency_conflict")
      return reply.status(409).send(twilioErrors.idempotency().toJSON());
    if (error.code === "invalid_address") return reply.status(400).send(twilioErrors.invalidTo().toJSON());
    // A 5xx stays a 5xx (a send whose outcome is unknown must not look like a refusal of the request).
    if (error.status >= 500) return reply.status(500).send(twilioErrors.serverError(error.message).toJSON());
    const e = twilioErrors.badRequest(error.message);
    return reply.status(e.status).send(e.toJSON());
  }
  throw error;
}

async function sendersOf(ctx: TAppContext, workspaceId: string): Promise<TChannelAccountRow[]> {
  const cached = cachedChannelAccounts(workspaceId);
  if (cached) return cached;
  const found = await withSystemTx(ctx.db, (tx) => activeChannelAccounts(tx, [workspaceId]));
  return found.get(workspaceId) ?? [];
}

function pickSender(accounts: TChannelAccountRow[], b: TTwilioSend): TChannelAccountRow {
  if (b.From !== undefined && b.From !== "") {
    // `whatsapp:+1…` names a WhatsApp sender, a bare number any other sender with that address (an SMS
    // number and a WhatsApp number can be the same digits).
    const whatsapp = b.From.startsWith("whatsapp:");
    const from = b.From.replace(/^whatsapp:/, "");
    const found = accounts.filter((a) => a.address === from && (a.channel === "whatsapp") === whatsapp);
    // Never a guess: the sender decides the brand, and so the consent the send is decided against.
    if (found.length > 1) throw twilioErrors.ambiguousFrom();
    const [only] = found;
    if (!only) throw twilioErrors.invalidFrom();
    return only;
  }
  if (b.MessagingServiceSid === undefined || b.MessagingServiceSid === "") throw twilioErrors.fromRequired();
  if (!SERVICE_SID.test(b.MessagingServiceSid)) throw twilioErrors.unknownService();
  const found = accounts.find((a) => a.messagingServiceSid === b.MessagingServiceSid);
  if (!found) throw twilioErrors.unknownService();
  return found;
}

function contentOf(b: TTwilioSend, channel: TChannelAccountRow["channel"]): TMessageContent {
  const urls = b.MediaUrl === undefined ? [] : Array.isArray(b.MediaUrl) ? b.MediaUrl : [b.MediaUrl];
  const body = b.Body ?? "";
  if (body === "" && urls.length === 0) throw twilioErrors.bodyRequired();
  if (body.length > Math.min(1600, contentRules[channel].maxBody)) throw twilioErrors.bodyTooLong();
  if (urls.length > contentRules[channel].maxMedia || urls.some((u) => !ZHttpUrl.safeParse(u).success))
    throw twilioErrors.invalidMedia();
  return {
    ...(body !== "" ? { body } : {}),
    ...(urls.length > 0 ? { media: urls.map((url) => ({ url })) } : {}),
  };
}

/**
 * Twilio-compatible Messages API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded,
 * Basic auth AccountSid:API key) and `GET …/Messages/{Sid}.json`, answering in Twilio's JSON shape.
 * A recipient who opted out gets Twilio's 400 error 21610; the refused message is still stored.
 */
export function twilioRoutes(app: TApp, ctx: TAppContext): void {
  createTwilioRoutes({ allowPrivateUrls: ctx.config.webhooksAllowPrivate })(app, ctx);
}

/**
 * The Twilio-compatible routes with an explicit URL policy: a `StatusCallback` must pass the same check
 * as a customer webhook URL (no private, loopback or link-local target unless ASSENT_WEBHOOKS_ALLOW_PRIVATE).
 */
export function createTwilioRoutes(
  options: { allowPrivateUrls?: boolean; resolveHost?: TResolveHost } = {},
): TRouteModule {
  const policy = {
    allowPrivate: options.allowPrivateUrls === true,
    ...(options.resolveHost ? { resolve: options.resolveHost } : {}),
  };
  return (app, ctx) => mountTwilioRoutes(app, ctx, policy);
}

function mountTwilioRoutes(app: TApp, ctx: TAppContext, policy: TUrlPolicy): void {
  const batcher = getSendBatcher(ctx);
  const params = z.object({
    AccountSid: z.string().max(64),
  });

  app.post(
    "/2010-04-01/Accounts/:AccountSid/Messages.json",
    {
      config: { public: true },
      schema: { tags: ["twilio-compatible"], summary: "Send a message (Twilio-compatible)", params },
    },
    async (request, reply) => {
      try {
        const caller = await authenticateTwilioCaller(ctx, {
          accountSid: request.params.AccountSid,
          authorization: request.headers.authorization,
          permission: "messages:send",
        });
        const parsed = ZTwilioSend.safeParse(request.body ?? {});
        if (!parsed.success) {
          // Named as Twilio names it (a parameter given twice arrives as a list).
          throw twilioErrors.invalidParameter(String(parsed.error.issues[0]?.path[0] ?? "body"));
        }
        const b = parsed.data;
        const idempotencyKey = idempotencyTokenOf(request.headers["i-twilio-idempotency-token"]);
        if (b.To === undefined || b.To === "") throw twilioErrors.toRequired();
        const scheduledAt = scheduledAtOf(b, ctx.clock());
        const account = pickSender(await sendersOf(ctx, caller.workspaceId), b);
        // Twilio refuses a WhatsApp sender with a plain recipient, and the reverse (21910).
        if (b.To.startsWith("whatsapp:") !== (account.channel === "whatsapp"))
          throw twilioErrors.fromToPair();
        let to: string;
        try {
          to = normalizeRecipient(account.channel, b.To.replace(/^whatsapp:/, ""), "To");
        } catch {
          throw twilioErrors.invalidTo();
        }
        const content = contentOf(b, account.channel);
        const callback = await checkedCallback(b.StatusCallback, policy);
        const callbackKeySealed = callback !== undefined ? await callbackKey.sealed(ctx, caller) : undefined;
        const sid = `${content.media ? "MM" : "SM"}${randomBytes(16).toString("hex")}`;
        const work: TSendWork = {
          workspaceId: caller.workspaceId,
          actor: { type: "api_key", id: caller.keyId },
          requestId: String(request.id),
          source: "twilio",
          idempotencyKey,
          // The schedule only when given: a token's hash from before it was mapped stays the same.
          requestHash: hash(
            "sha256",
            `twilio${JSON.stringify([
              b.To,
              b.From,
              b.MessagingServiceSid,
              b.Body,
              b.MediaUrl,
              callback,
              ...(scheduledAt ? [scheduledAt.toISOString()] : []),
            ])}`,
            "hex",
          ),
          to: { address: to, field: "To" },
          channel: account.channel,
          brandId: account.brandId,
          campaignId: account.defaultCampaignId ?? undefined,
          channelAccountId: account.id,
          content,
          contentKind: contentKindOf(content),
          segments: segmentsOf(account.channel, content),
          scheduledAt,
          twilio: {
            sid,
            statusCallbackUrl: callback,
            callbackKeyId: callback !== undefined ? caller.keyId : undefined,
            callbackKeySealed,
          },
        };
        const accepted = await batcher.submit(work);
        // Stored only when this request's own sealed secret was written: with its message, accepted and
        // not refused. A replay writes nothing (the answer is another request's, perhaps another key's).
        if (callbackKeySealed !== undefined && !accepted.replayed && accepted.status !== "suppressed")
          callbackKey.stored(caller.keyId);
        if (accepted.status === "suppressed") {
          const refusal = twilioCodeForRefusal(accepted.reason);
          throw new TwilioApiError(refusal.code, refusal.message, 400, {
            assent_message_id: accepted.id,
            assent_reason: accepted.reason,
          });
        }
        // As GET shows it: the normalised recipient, and the sender with `whatsapp:` on WhatsApp. Through a
        // Messaging Service Twilio answers `accepted` with 0 segments, its sender being chosen afterwards
        // (a scheduled message stays `scheduled`); GET then shows the message as it is.
        const prefix = account.channel === "whatsapp" ? "whatsapp:" : "";
        const viaService = b.From === undefined || b.From === "";
        return reply.status(201).send(
          presentTwilioMessage({
            accountSid: caller.accountSid,
            sid: accepted.twilioSid ?? sid,
            status: viaService && accepted.status === "queued" ? "accepted" : accepted.status,
            body: content.body ?? "",
            from: account.address ? `${prefix}${account.address}` : null,
            to: `${prefix}${to}`,
            messagingServiceSid: account.messagingServiceSid,
            numSegments: viaService ? 0 : work.segments,
            numMedia: content.media?.length ?? 0,
            dateCreated: accepted.createdAt,
            dateUpdated: accepted.createdAt,
            dateSent: null,
            errorCode: null,
            errorMessage: null,
          }),
        );
      } catch (error) {
        return send(reply, error);
      }
    },
  );

  app.get(
    "/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json",
    {
      config: { public: true },
      schema: {
        tags: ["twilio-compatible"],
        summary: "Fetch a message (Twilio-compatible)",
        params: params.extend({
          Sid: z.string().max(64),
        }),
      },
    },
    async (request, reply) => {
      try {
        const caller = await authenticateTwilioCaller(ctx, {
          accountSid: request.params.AccountSid,
          authorization: request.headers.authorization,
          permission: "messages:read",
        });
        const path = `/2010-04-01/Accounts/${caller.accountSid}/Messages/${request.params.Sid}.json`;
        // A Sid no message can have (Twilio's are letters and digits) is not looked up: Twilio's 404.
        if (!/^[A-Za-z0-9]+$/.test(request.params.Sid)) throw twilioErrors.notFound(path);
        // Keys first: loading them opens a transaction of its own (PGlite runs one at a time).
        const keys = await ctx.keys.forWorkspace(ctx.db, caller.workspaceId);
        const [found] = await withWorkspaceTx(ctx.db, caller.workspaceId, async (tx) =>
          loadTwilioMessages(
            tx,
            keys,
            caller.workspaceId,
            await rows<TMessageDbRow>(
              tx,
              sql`select ${messageColumns} from messages where workspace_id = ${caller.workspaceId} and twilio_sid = ${request.params.Sid}`,
            ),
          ),
        );
        if (!found) throw twilioErrors.notFound(path);
        return reply.send(presentTwilioMessage(storedTwilioView(caller.accountSid, found)));
      } catch (error) {
        return send(reply, error);
      }
    },
  );

  app.get(
    "/2010-04-01/Accounts/:AccountSid/Messages.json",
    {
      config: { public: true },
      schema: { tags: ["twilio-compatible"], summary: "List messages (Twilio-compatible)", params },
    },
    async (request, reply) => {
      try {
        const caller = await authenticateTwilioCaller(ctx, {
          accountSid: request.params.AccountSid,
          authorization: request.headers.authorization,
          permission: "messages:read",
        });
        const query = parseTwilioListQuery(request.query);
        // Keys first: loading them opens a transaction of its own (PGlite runs one at a time).
        const keys = await ctx.keys.forWorkspace(ctx.db, caller.workspaceId);
        const found = await withWorkspaceTx(ctx.db, caller.workspaceId, async (tx) => {
          const filter = await resolveTwilioListFilter(tx, keys, caller.workspaceId, query);
          if (!filter) return [];
          return listTwilioMessages(tx, keys, {
            workspaceId: caller.workspaceId,
            filter,
            cursor: query.cursor,
            limit: query.pageSize,
          });
        });
        return reply.send(presentTwilioPage({ accountSid: caller.accountSid, query, found }));
      } catch (error) {
        return send(reply, error);
      }
    },
  );
}
