import { sql } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { enqueueJobs } from "../../core/jobs/index.js";
import { encryptField } from "../../core/keyring.js";
import { selectorMatches, type TWebhookEventInput, webhookEventTypes } from "./event-types.js";
import { activeSubscriptions, cachedSubscriptions } from "./subscription-cache.js";
import { deliverWebhookJob } from "./webhook-jobs.js";
import { workspaceKeysInTx } from "./workspace-keys-in-tx.js";

const knownTypes: ReadonlySet<string> = new Set(webhookEventTypes);

/**
 * Inside the caller's transaction: store each event (sealed) and one delivery per matching enabled
 * subscription, each with its delivery job (outbox: nothing is sent unless the transaction commits). A
 * workspace known to have no subscription costs no statement at all.
 */
export async function emitWebhookEvents(tx: TTx, events: readonly TWebhookEventInput[]): Promise<void> {
  const byWorkspace = new Map<string, TWebhookEventInput[]>();
  for (const e of events) {
    if (!knownTypes.has(e.type)) throw new Error(`unknown webhook event type ${e.type}`);
    if (cachedSubscriptions(e.workspaceId)?.length === 0) continue;
    const list = byWorkspace.get(e.workspaceId) ?? [];
    list.push(e);
    byWorkspace.set(e.workspaceId, list);
  }
  for (const [workspaceId, list] of byWorkspace) {
    const subscriptions = await activeSubscriptions(tx, workspaceId);
    const wanted = list
      .map((e) => ({ e, to: subscriptions.filter((s) => selectorMatches(s.events, e.type)) }))
      .filter((w) => w.to.length > 0);
    if (wanted.length === 0) continue;
    const keys = await workspaceKeysInTx(tx, workspaceId);
    const ev = { id: [] as string[], type: [] as string[], data: [] as string[], at: [] as string[] };
    const dl = { id: [] as string[], sub: [] as string[], event: [] as string[], type: [] as string[] };
    for (const { e, to } of wanted) {
      const eventId = newId("evt");
      ev.id.push(eventId);
      ev.type.push(e.type);
      ev.data.push(encryptField(keys, workspaceId, JSON.stringify(e.data)));
      ev.at.push((e.at ?? new Date()).toISOString());
      for (const s of to) {
        dl.id.push(newId("whd"));
        dl.sub.push(s.id);
        dl.event.push(eventId);
        dl.type.push(e.type);
      }
    }
    await tx.execute(sql`insert into webhook_events (id, workspace_id, type, data_sealed, created_at)
      select i, ${workspaceId}, t, d, a::timestamptz
      from unnest(${sql.param(ev.id)}::text[], ${sql.param(ev.type)}::text[], ${sql.param(ev.data)}::text[],
        ${sql.param(ev.at)}::text[]) as x(i, t, d, a)`);
    await tx.execute(sql`insert into webhook_deliveries (id, workspace_id, subscription_id, event_id, event_type)
      select i, ${workspaceId}, s, e, t
      from unnest(${sql.param(dl.id)}::text[], ${sql.param(dl.sub)}::text[], ${sql.param(dl.event)}::text[],
        ${sql.param(dl.type)}::text[]) as x(i, s, e, t)`);
    await enqueueJobs(
      tx,
      deliverWebhookJob,
      dl.id.map((deliveryId) => ({ payload: { workspaceId, deliveryId } })),
    );
  }
}
