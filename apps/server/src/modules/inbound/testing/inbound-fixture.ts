import { randomBytes } from "node:crypto";
import { createTestDatabase, type TTestDatabase } from "../../../../test/harness.js";
import { bearer } from "../../../../test/server.js";
import { loadConfig } from "../../../config/env.js";
import type { TAppContext } from "../../../core/context.js";
import { createContext } from "../../../core/create-context.js";
import { withWorkspaceTx } from "../../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../../core/keyring.js";
import { createLogger, type TLogger } from "../../../core/logger.js";
import { buildApp, type TRouteModule } from "../../../http/app.js";
import type { TApp } from "../../../http/types.js";
import { initModules, sessionResolver } from "../../../wiring.js";
import type { TProviderId } from "../../channels/index.js";
import {
  signMetaWebhook,
  signSandboxWebhook,
  signTwilioWebhook,
  twilioFormBody,
} from "../../channels/testing/index.js";
import { recordConsent } from "../../consent/index.js";
import { resolveContactByAddress, type TContactChannel } from "../../contacts/index.js";
import {
  channelAccountRoutes,
  createChannelAccount,
  ensureSandboxSender,
  messageRoutes,
} from "../../messaging/index.js";
import { sandboxRoutes } from "../../sandbox/index.js";
import { bootstrapWorkspace, type TBootstrapResult, workspaceRoutes } from "../../workspaces/index.js";
import { inboundMessageIndex } from "../dedupe-indexes.js";
import { intentSettingsRoutes } from "../routes-intent-settings.js";
import { inboundWebhookRoutes } from "../routes-webhooks.js";

export const PUBLIC_URL = "https://assent.example.com";

/** Provider credentials for test senders (the fake provider servers accept the same ones). */
export const creds = {
  whatsapp: {
    phoneNumberId: "106540352242922",
    accessToken: "wa-test-token",
    appSecret: "wa-app-secret",
    verifyToken: "wa-verify",
  },
  twilio: { accountSid: `AC${"a1".repeat(16)}`, authToken: "twilio-auth-token", from: "+15005550006" },
  telegram: { botToken: "7012345678:AAtest-token_abcdefghij", webhookSecret: "tg-secret_1" },
  instagram: {
    igId: "17841400000000001",
    accessToken: "ig-test-token",
    appSecret: "ig-app-secret",
    verifyToken: "ig-verify",
  },
} as const;

export interface TSender {
  id: string;
  providerId: TProviderId;
  webhookSecret?: string;
}

export interface TInboundWorld {
  ws: TBootstrapResult;
  keys: TWorkspaceKeys;
  senders: { whatsapp: TSender; twilio: TSender; telegram: TSender; instagram: TSender; sandbox: TSender };
}

export interface TInboundServer {
  app: TApp;
  ctx: TAppContext;
  database: TTestDatabase;
  /** A workspace with one sender per provider on its brand. */
  world(name?: string): Promise<TInboundWorld>;
  close(): Promise<void>;
}

/**
 * The route modules the inbound path needs, mounted directly (not the shared list, which grows as modules
 * are wired): workspaces and brands, channel accounts, the send API, and this module's routes.
 */
export function inboundTestRoutes(): TRouteModule[] {
  return [
    workspaceRoutes,
    channelAccountRoutes,
    messageRoutes,
    inboundWebhookRoutes,
    intentSettingsRoutes,
    sandboxRoutes,
  ];
}

/**
 * The app on a fresh database (or on `database`, closed with it) with PUBLIC_URL set (Twilio signs the
 * public URL), and `routes` mounted too.
 */
export async function createInboundServer(
  o: {
    publicUrl?: string;
    env?: Record<string, string>;
    logger?: TLogger;
    database?: TTestDatabase;
    /** Route modules mounted besides inboundTestRoutes() (the consent routes, say). */
    routes?: TRouteModule[];
  } = {},
): Promise<TInboundServer> {
  const database = o.database ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    ASSENT_MASTER_KEY: randomBytes(32).toString("base64"),
    PUBLIC_URL: o.publicUrl ?? PUBLIC_URL,
    ...o.env,
  });
  const ctx = await createContext(config, o.logger ?? createLogger("silent"), { database, migrate: false });
  initModules(ctx);
  const resolveSession = sessionResolver(ctx);
  const app = await buildApp(ctx, {
    routes: [...inboundTestRoutes(), ...(o.routes ?? [])],
    ...(resolveSession ? { resolveSession } : {}),
  });
  return {
    app,
    ctx,
    database,
    async world(name = "Inbound") {
      // No first-start hook here: the fixture creates the sandbox sender itself, to learn its webhook secret.
      const ws = await bootstrapWorkspace(ctx, { workspaceName: name });
      const keys = await ctx.keys.forWorkspace(ctx.db, ws.workspaceId);
      const actor = { type: "system", id: null } as const;
      const senders = await withWorkspaceTx(ctx.db, ws.workspaceId, async (tx) => {
        const make = async (
          providerId: TProviderId,
          channel: "whatsapp" | "sms" | "telegram" | "instagram",
          credentials: Record<string, unknown>,
        ) => {
          const created = await createChannelAccount(tx, keys, {
            workspaceId: ws.workspaceId,
            actor,
            input: { brandId: ws.brandId, channel, providerId, name: providerId, credentials },
          });
          return { id: created.account.id, providerId };
        };
        const sandbox = await ensureSandboxSender(tx, keys, {
          workspaceId: ws.workspaceId,
          brandId: ws.brandId,
        });
        return {
          whatsapp: await make("whatsapp-cloud", "whatsapp", { ...creds.whatsapp }),
          twilio: await make("twilio", "sms", { ...creds.twilio }),
          telegram: await make("telegram-bot", "telegram", { ...creds.telegram }),
          instagram: await make("instagram", "instagram", { ...creds.instagram }),
          sandbox: {
            id: sandbox.channelAccountId,
            providerId: "sandbox" as const,
            ...(sandbox.webhookSecret ? { webhookSecret: sandbox.webhookSecret } : {}),
          },
        };
      });
      return { ws, keys, senders };
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

/** POST exact bytes to an account's webhook URL. */
export function postWebhook(
  app: TApp,
  accountId: string,
  body: string | Buffer,
  headers: Record<string, string>,
) {
  return app.inject({ method: "POST", url: `/webhooks/${accountId}`, headers, payload: body });
}

/** A WhatsApp Cloud webhook, signed with the app secret over the exact bytes. */
export function signedMeta(
  appSecret: string,
  payload: unknown,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: { "content-type": "application/json", "x-hub-signature-256": signMetaWebhook(appSecret, body) },
  };
}

/** A Twilio form webhook to `${PUBLIC_URL}/webhooks/{id}`, signed as Twilio signs it. */
export function signedTwilio(accountId: string, params: Record<string, string>, publicUrl = PUBLIC_URL) {
  const url = `${publicUrl}/webhooks/${accountId}`;
  return {
    body: twilioFormBody(params),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": signTwilioWebhook(creds.twilio.authToken, url, params),
    },
  };
}

/** A sandbox webhook signed with the account's secret. */
export function signedSandbox(secret: string, payload: unknown, at = new Date()) {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-assent-signature": signSandboxWebhook({ secret, rawBody: Buffer.from(body), at }),
    },
  };
}

let messageSeq = 0;
/** Twilio inbound SMS params as Twilio posts them. */
export function twilioInbound(
  from: string,
  body: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  messageSeq += 1;
  return {
    ToCountry: "US",
    SmsMessageSid: `SM${String(messageSeq).padStart(32, "0")}`,
    NumMedia: "0",
    FromCountry: "FR",
    SmsSid: `SM${String(messageSeq).padStart(32, "0")}`,
    SmsStatus: "received",
    Body: body,
    To: creds.twilio.from,
    NumSegments: "1",
    MessageSid: `SM${String(messageSeq).padStart(32, "0")}`,
    AccountSid: creds.twilio.accountSid,
    From: from,
    ApiVersion: "2010-04-01",
    ...extra,
  };
}

/** Marketing consent for a contact (so marketing sends are queued, not suppressed). */
export async function grantMarketing(
  s: TInboundServer,
  w: TInboundWorld,
  contactId: string,
  channels: TContactChannel[],
) {
  await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
    recordConsent(tx, w.keys, {
      workspaceId: w.ws.workspaceId,
      contactId,
      brandId: w.ws.brandId,
      category: "marketing",
      channels,
      evidence: {
        method: "web_form",
        source: "signup form",
        wording: "Yes, send me offers. Reply STOP to stop.",
      },
      actor: { type: "api_key", id: "key_test" },
    }),
  );
}

export async function contactOf(
  s: TInboundServer,
  w: TInboundWorld,
  channel: TContactChannel,
  address: string,
): Promise<string | null> {
  const found = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
    resolveContactByAddress(tx, w.keys, { workspaceId: w.ws.workspaceId, channel, address, create: false }),
  );
  return found?.contactId ?? null;
}

/** Queue a message through the real send API; returns its id and status. */
export async function send(
  s: TInboundServer,
  w: TInboundWorld,
  o: {
    to: string;
    channel: "sms" | "whatsapp" | "telegram" | "instagram" | "sandbox";
    channelAccountId: string;
    category: "marketing" | "transactional";
    body?: string;
  },
): Promise<{ id: string; status: string; contactId: string }> {
  const r = await s.app.inject({
    method: "POST",
    url: "/v1/messages",
    headers: bearer(w.ws.apiKey),
    payload: {
      to: o.to,
      channel: o.channel,
      brandId: w.ws.brandId,
      channelAccountId: o.channelAccountId,
      category: o.category,
      body: o.body ?? `${o.category} news`,
    },
  });
  if (r.statusCode !== 202) throw new Error(`send failed: ${r.statusCode} ${r.body}`);
  const json = r.json() as { id: string; status: string; contactId: string };
  return json;
}

export async function statuses(
  s: TInboundServer,
  ids: string[],
): Promise<Record<string, { status: string; reason: string | null }>> {
  const found = await s.database.query<{ id: string; status: string; reason: string | null }>(
    "select id, status, reason from messages where id = any($1::text[])",
    [ids],
  );
  return Object.fromEntries(found.map((r) => [r.id, { status: r.status, reason: r.reason }]));
}

export async function count(s: TInboundServer, sqlText: string, params: unknown[] = []): Promise<number> {
  const found = await s.database.query<{ n: number | string }>(sqlText, params);
  return Number(found[0]?.n ?? 0);
}

export interface TReply {
  id: string;
  kind: string;
  body: string;
  inReplyTo: string;
  status: string;
  channelAccountId: string;
}

/** Compliance replies queued for a contact (decrypted), oldest first. */
export async function replies(s: TInboundServer, w: TInboundWorld, contactId: string): Promise<TReply[]> {
  const found = await s.database.query<{
    id: string;
    compliance_kind: string;
    content_sealed: string;
    in_reply_to: string;
    status: string;
    channel_account_id: string;
  }>(
    "select id, compliance_kind, content_sealed, in_reply_to, status, channel_account_id from messages where workspace_id = $1 and contact_id = $2 and source = 'compliance' order by id",
    [w.ws.workspaceId, contactId],
  );
  return found.map((r) => ({
    id: r.id,
    kind: r.compliance_kind,
    inReplyTo: r.in_reply_to,
    status: r.status,
    channelAccountId: r.channel_account_id,
    body: String(
      (JSON.parse(decryptField(w.keys, w.ws.workspaceId, r.content_sealed)) as { body?: string }).body,
    ),
  }));
}

/** Ledger entries (kind, scope, method, evidence) of a contact, oldest first. */
export async function ledger(s: TInboundServer, contactId: string) {
  return s.database.query<{
    id: string;
    brand_id: string;
    kind: string;
    scope: string | null;
    method: string;
    channel: string | null;
    evidence: Record<string, unknown>;
  }>(
    "select id, brand_id, kind, scope, method, channel, evidence from consent_ledger where contact_id = $1 order by seq",
    [contactId],
  );
}

/** What an inbound message with this provider dedupe key is stored under (the key itself never is). */
export function dedupeIndex(w: TInboundWorld, dedupeKey: string): string {
  return inboundMessageIndex(w.keys, dedupeKey);
}

/** The stored inbound message rows of a contact. */
export async function inbound(s: TInboundServer, contactId: string) {
  return s.database.query<{
    id: string;
    intent: string;
    action: string;
    body_sealed: string | null;
    ledger_entry_id: string | null;
    reply_message_id: string | null;
    intent_language: string;
  }>(
    "select id, intent, action, body_sealed, ledger_entry_id, reply_message_id, intent_language from inbound_messages where contact_id = $1 order by id",
    [contactId],
  );
}

/** Row counts of every table the inbound path writes (to prove that nothing was written). */
export async function footprint(s: TInboundServer): Promise<Record<string, number>> {
  const tables = [
    "inbound_messages",
    "inbound_event_receipts",
    "inbound_contact_state",
    "channel_reachability",
    "contacts",
    "contact_identities",
    "messages",
    "consent_ledger",
    "customer_windows",
    "audit_log",
  ];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await count(s, `select count(*) as n from ${t}`);
  return out;
}
