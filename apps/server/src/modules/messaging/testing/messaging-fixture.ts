import { sql } from "drizzle-orm";
import type { TTestDatabase } from "../../../../test/harness.js";
import { bearer, createTestServer, type TTestServer } from "../../../../test/server.js";
import type { TActor } from "../../../core/audit.js";
import { rows, type TTx, withSystemTx, withWorkspaceTx } from "../../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../../core/keyring.js";
import type { TRouteModule } from "../../../http/app.js";
import { allRoutes } from "../../../http/routes.js";
import { createAdapter, createFakeRecorder, type FakeRecorder } from "../../channels/index.js";
import { recordConsent, recordOptOut } from "../../consent/index.js";
import { resolveContactByAddress, type TContactChannel } from "../../contacts/index.js";
import { channelAccountRoutes } from "../channel-account-routes.js";
import { startDispatcher } from "../dispatch/start-dispatcher.js";
import { messageRoutes } from "../message-routes.js";
import { suppressQueuedForContact } from "../suppress-queued-for-contact.js";
import { createTwilioRoutes, twilioRoutes } from "../twilio/twilio-routes.js";

export const testActor: TActor = { type: "api_key", id: "key_test" };

/**
 * The app with messaging mounted (once wired into allRoutes, not twice). Twilio StatusCallbacks may
 * point to loopback (the tests' callback receivers) unless `privateCallbacks` is false.
 */
export function messagingTestRoutes(o: { privateCallbacks?: boolean } = {}): TRouteModule[] {
  const twilio = createTwilioRoutes({ allowPrivateUrls: o.privateCallbacks !== false });
  const mine = [channelAccountRoutes, messageRoutes];
  return [
    ...allRoutes.filter((r) => r !== twilioRoutes),
    ...mine.filter((r) => !allRoutes.includes(r)),
    twilio,
  ];
}

export function messagingTestServer(
  o: { database?: TTestDatabase; privateCallbacks?: boolean } = {},
): Promise<TTestServer> {
  return createTestServer({
    routes: messagingTestRoutes(o),
    ...(o.database ? { database: o.database } : {}),
  });
}

export type TMessagingFixture = Awaited<ReturnType<typeof messagingFixture>>;

/** A workspace with helpers for senders, contacts, consent and sends. */
export async function messagingFixture(s: TTestServer, name = "Messaging") {
  const ws = await s.workspace(name);
  const keys: TWorkspaceKeys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
  const workspaceId = ws.workspaceId;
  const auth = bearer(ws.apiKey);
  const tx = <T>(fn: (t: TTx) => Promise<T>) => withWorkspaceTx(s.ctx.db, workspaceId, fn);
  let n = 0;
  return {
    ws,
    keys,
    workspaceId,
    brandId: ws.brandId,
    auth,
    tx,
    async sender(
      o: {
        channel?: string;
        providerId?: string;
        credentials?: Record<string, unknown>;
        rateLimit?: Record<string, number>;
        brandId?: string;
        address?: string;
        name?: string;
      } = {},
    ) {
      const r = await s.app.inject({
        method: "POST",
        url: "/v1/channel-accounts",
        headers: auth,
        payload: {
          brandId: o.brandId ?? ws.brandId,
          channel: o.channel ?? "sandbox",
          providerId: o.providerId ?? "fake",
          name: o.name ?? "Test sender",
          credentials: o.credentials ?? {},
          ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
          ...(o.address ? { address: o.address } : {}),
        },
      });
      if (r.statusCode !== 201) throw new Error(`sender: ${r.statusCode} ${r.body}`);
      return r.json() as {
        id: string;
        messagingServiceSid: string | null;
        webhookSecret?: string;
        address: string | null;
      };
    },
    async contact(
      channel: TContactChannel = "sandbox",
      address?: string,
    ): Promise<{ contactId: string; address: string }> {
      n += 1;
      const given = address ?? `+4420797${String(n).padStart(5, "0")}`;
      const r = await tx((t) =>
        resolveContactByAddress(t, keys, { workspaceId, channel, address: given, create: true }),
      );
      if (!r) throw new Error("no contact");
      return { contactId: r.contactId, address: r.address };
    },
    grant(
      contactId: string,
      channels: TContactChannel[] = ["sandbox"],
      o: { brandId?: string; campaignId?: string } = {},
    ) {
      return tx((t) =>
        recordConsent(t, keys, {
          workspaceId,
          contactId,
          brandId: o.brandId ?? ws.brandId,
          category: "marketing",
          channels,
          ...(o.campaignId ? { campaignId: o.campaignId } : {}),
          evidence: {
            method: "web_form",
            source: "signup form",
            wording: "Yes, send me offers. Reply STOP to stop.",
          },
          actor: testActor,
        }),
      );
    },
    /** The inbound opt-out transaction, as the inbound module runs it. */
    optOut(
      contactId: string,
      scope: "all" | "marketing" = "all",
      o: { suppressQueued?: boolean; brandId?: string } = {},
    ) {
      return tx(async (t) => {
        const brandId = o.brandId ?? ws.brandId;
        const r = await recordOptOut(t, {
          workspaceId,
          brandId,
          contactId,
          scope,
          channel: "sandbox",
          evidence: { method: "keyword", matched: "STOP" },
          actor: testActor,
        });
        if (o.suppressQueued !== false) {
          await suppressQueuedForContact(t, {
            workspaceId,
            brandId,
            contactId,
            scope,
            reason: scope === "all" ? "opted_out" : "opted_out_marketing",
            ledgerEntryId: r.ledgerEntryId,
          });
        }
        const at = await rows<{ at: Date | string }>(t, sql`select clock_timestamp() as at`);
        return { ...r, lockedAt: new Date(at[0]?.at ?? Date.now()) };
      });
    },
    send(payload: Record<string, unknown>, headers: Record<string, string> = {}) {
      return s.app.inject({ method: "POST", url: "/v1/messages", headers: { ...auth, ...headers }, payload });
    },
    async message(id: string) {
      const r = await s.app.inject({ method: "GET", url: `/v1/messages/${id}`, headers: auth });
      return r.json() as {
        id: string;
        status: string;
        reason: string | null;
        attempts: number;
        timeline: { type: string; reason?: string; stage?: string; ledgerEntryIds?: string[] }[];
        providerMessageId: string | null;
        errorCode: string | null;
        body?: string;
      };
    },
    /** Message rows of this workspace (system view, for assertions). */
    rows<T>(query: ReturnType<typeof sql>) {
      return withSystemTx(s.ctx.db, (t) => rows<T>(t, query));
    },
    async count(where = sql`true`): Promise<number> {
      const r = await withSystemTx(s.ctx.db, (t) =>
        rows<{ n: number }>(
          t,
          sql`select count(*)::int as n from messages where workspace_id = ${workspaceId} and ${where}`,
        ),
      );
      return Number(r[0]?.n ?? 0);
    },
  };
}

/** Poll until `check` answers true (tests of background loops). */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  o: { timeoutMs?: number; everyMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${o.what ?? "condition"}`);
    await new Promise((r) => setTimeout(r, o.everyMs ?? 20));
  }
}

/**
 * Run a dispatcher on the fake adapter until `done` answers true, then stop it. Returns what the fake
 * provider received.
 */
export async function dispatchUntil(
  s: TTestServer,
  done: () => Promise<boolean> | boolean,
  what = "dispatch",
): Promise<FakeRecorder> {
  const recorder = createFakeRecorder();
  const stop = await startDispatcher(s.ctx, {
    createAdapter: (_account, credentials) => createAdapter("fake", credentials, { recorder }),
    pollMs: 20,
    recordEveryMs: 5,
    ...(s.database.url ? { listenUrl: s.database.url } : {}),
  });
  try {
    await waitUntil(done, { what });
  } finally {
    await stop();
  }
  return recorder;
}
