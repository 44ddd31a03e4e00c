import { sql } from "drizzle-orm";
import { z } from "zod";
import type { TAppContext } from "../../../core/context.js";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { decryptField, type TWorkspaceKeys } from "../../../core/keyring.js";
import { computeTwilioSignature, type TChannel } from "../../channels/index.js";
import { backoffMs } from "../dispatch/backoff.js";
import { checkWebhookUrl, getContactAddresses, postFailure, postWebhook, type TUrlPolicy } from "../ports.js";
import { twilioCallbackErrorCode } from "./twilio-callback-error-code.js";
import { twilioStatus } from "./twilio-errors.js";

interface TDue {
  id: number;
  workspace_id: string;
  message_id: string;
  url: string;
  status: string;
  error_code: string | null;
  api_key_id: string;
  attempts: number;
}

interface TPrepared {
  due: TDue;
  fields: Record<string, string>;
  token: string;
}

/** The part of a message's sealed content a callback names: its recipient (absent on older rows). */
const ZSealedRecipient = z.object({ to: z.string().optional() });

/** The message's own recipient, from its sealed content. */
function recipientOf(keys: TWorkspaceKeys, workspaceId: string, sealed: string): string | undefined {
  const parsed = ZSealedRecipient.safeParse(JSON.parse(decryptField(keys, workspaceId, sealed)));
  return parsed.success ? parsed.data.to : undefined;
}

/** Give up on a callback after this many attempts (about half an hour with the backoff below). */
export const MAX_CALLBACK_ATTEMPTS = 10;

/**
 * Claimed callbacks whose API key can no longer sign, by callback id, with the reason they are given up on:
 * revoked or gone (Twilio stops signing with a token that no longer exists), or expired.
 */
type TRefusals = Map<number, string>;

async function prepare(ctx: TAppContext, due: TDue[]): Promise<{ ready: TPrepared[]; refused: TRefusals }> {
  // Keys first: loading them opens a transaction of its own (PGlite runs one at a time).
  const keysOf = new Map<string, TWorkspaceKeys>();
  for (const ws of new Set(due.map((d) => d.workspace_id)))
    keysOf.set(ws, await ctx.keys.forWorkspace(ctx.db, ws));
  return withSystemTx(ctx.db, async (tx) => {
    const out: TPrepared[] = [];
    const refused: TRefusals = new Map();
    for (const d of due) {
      const m = (
        await rows<{
          twilio_sid: string | null;
          channel: TChannel;
          contact_id: string;
          address: string | null;
          account_sid: string;
          token_sealed: string | null;
          reason: string | null;
          error_code: string | null;
          provider_id: string;
          content_sealed: string;
          key_refused: string | null;
        }>(
          tx,
          sql`select m.twilio_sid, m.channel, m.contact_id, a.address, w.account_sid, k.token_sealed, m.reason,
            m.error_code, a.provider_id, m.content_sealed,
            case when ak.id is null or ak.revoked_at is not null then 'API key revoked'
              when ak.expires_at <= now() then 'API key expired' end as key_refused
          from messages m join channel_accounts a on a.id = m.channel_account_id join workspaces w on w.id = m.workspace_id
          left join twilio_callback_keys k on k.api_key_id = ${d.api_key_id} and k.workspace_id = m.workspace_id
          left join api_keys ak on ak.id = ${d.api_key_id} and ak.workspace_id = m.workspace_id
          where m.id = ${d.message_id} and m.workspace_id = ${d.workspace_id}`,
        )
      )[0];
      // Never signed with a key that can no longer sign, even if its secret is still stored.
      if (m?.key_refused) refused.set(d.id, m.key_refused);
      if (!m?.twilio_sid || !m.token_sealed || m.key_refused) continue;
      const keys = keysOf.get(d.workspace_id);
      if (!keys) continue;
      // The message's own recipient; the contact's address on the channel only for a message stored without
      // one (the contact may have several, or another since).
      const to =
        recipientOf(keys, d.workspace_id, m.content_sealed) ??
        (
          await getContactAddresses(tx, keys, {
            workspaceId: d.workspace_id,
            contactIds: [m.contact_id],
            channel: m.channel,
          })
        ).get(m.contact_id) ??
        "";
      const prefix = m.channel === "whatsapp" ? "whatsapp:" : "";
      const status = twilioStatus(d.status);
      // A failure's reason and code are the message's (failed, undelivered and suppressed are final).
      const errorCode = twilioCallbackErrorCode({
        status: d.status,
        reason: m.reason,
        errorCode: d.error_code ?? m.error_code,
        providerId: m.provider_id,
      });
      out.push({
        due: d,
        token: decryptField(keys, d.workspace_id, m.token_sealed),
        fields: {
          MessageSid: m.twilio_sid,
          SmsSid: m.twilio_sid,
          MessageStatus: status,
          SmsStatus: status,
          AccountSid: m.account_sid,
          From: `${prefix}${m.address ?? ""}`,
          To: `${prefix}${to}`,
          ApiVersion: "2010-04-01",
          ...(errorCode ? { ErrorCode: errorCode } : {}),
        },
      });
    }
    return { ready: out, refused };
  });
}

/** How a callback is posted: the customer webhooks' guarded POST (injectable for tests). */
export type TPostCallback = typeof postWebhook;

/** A receiver gets this long to answer, as Twilio gives a StatusCallback. */
const CALLBACK_TIMEOUT_MS = 10_000;

async function post(p: TPrepared, postCallback: TPostCallback, policy: TUrlPolicy): Promise<string | null> {
  // Checked again now: the name may resolve elsewhere than when the message was accepted.
  const checked = await checkWebhookUrl(p.due.url, policy);
  if (!checked.ok) return `refused URL: ${checked.message}`;
  const body = new URLSearchParams(p.fields).toString();
  // Posted as customer webhooks are: the private-address policy applies to the address actually
  // connected to (a name that resolves elsewhere since the check above is refused), no redirect followed.
  const result = await postCallback({
    url: p.due.url,
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": computeTwilioSignature(p.token, p.due.url, p.fields),
      "user-agent": "TwilioProxy/1.1 (Assent)",
    },
    timeoutMs: CALLBACK_TIMEOUT_MS,
    allowPrivate: policy.allowPrivate,
  });
  return postFailure(result);
}

/**
 * Deliver due Twilio StatusCallbacks: claim a batch (SKIP LOCKED, a 30 s claim so another worker skips
 * them), post each signed with X-Twilio-Signature under the sending API key, in order per message;
 * failures retry with backoff, and stop after MAX_CALLBACK_ATTEMPTS; a callback whose API key is revoked or
 * expired is given up on at once ("API key revoked" / "API key expired"). Returns how many were delivered.
 */
export async function deliverTwilioCallbacks(
  ctx: TAppContext,
  o: { limit?: number; post?: TPostCallback; allowPrivateUrls?: boolean } = {},
): Promise<number> {
  const policy = { allowPrivate: o.allowPrivateUrls ?? ctx.config.webhooksAllowPrivate };
  const due = await withSystemTx(ctx.db, (tx) =>
    rows<TDue>(
      tx,
      // In order per message: only a message's first undelivered callback is claimed (one given up on,
      // after MAX_CALLBACK_ATTEMPTS, no longer holds the others), whatever another worker holds.
      sql`with due as (
          select c.id from twilio_status_callbacks c
          where c.delivered_at is null and c.next_attempt_at <= now()
            and not exists (
              select 1 from twilio_status_callbacks e
              where e.message_id = c.message_id and e.id < c.id and e.delivered_at is null
                and e.next_attempt_at <> 'infinity'::timestamptz
            )
          order by c.id limit ${o.limit ?? 50} for update skip locked
        )
        update twilio_status_callbacks c set attempts = c.attempts + 1, next_attempt_at = now() + interval '30 seconds'
        where c.id = any(array(select id from due))
        returning c.id, c.workspace_id, c.message_id, c.url, c.status, c.error_code, c.api_key_id, c.attempts`,
    ),
  );
  if (due.length === 0) return 0;
  due.sort((a, b) => a.id - b.id);
  const { ready: prepared, refused } = await prepare(ctx, due);
  // At most one callback per message is claimed (the first undelivered one), so the posts run at once.
  const results = await Promise.all(
    prepared.map(async (p) => ({
      id: p.due.id,
      error: await post(p, o.post ?? postWebhook, policy),
      attempts: p.due.attempts,
    })),
  );
  const skipped = due
    .filter((d) => !prepared.some((p) => p.due.id === d.id))
    .map((d) => ({
      id: d.id,
      error: refused.get(d.id) ?? "message or key missing",
      attempts: MAX_CALLBACK_ATTEMPTS,
    }));
  const all = [...results, ...skipped];
  await withSystemTx(ctx.db, (tx) =>
    tx.execute(sql`with u as (
        select * from unnest(${sql.param(all.map((r) => r.id))}::bigint[], ${sql.param(all.map((r) => r.error))}::text[],
          ${sql.param(all.map((r) => r.attempts))}::int[], ${sql.param(all.map((r) => backoffMs(r.attempts, 2_000, 3_600_000)))}::int[])
          as u(id, err, att, delay)
      ),
      updated as (
        update twilio_status_callbacks c set
          delivered_at = case when u.err is null then now() else null end,
          last_error = u.err,
          next_attempt_at = case when u.err is null then c.next_attempt_at
            when u.att >= ${MAX_CALLBACK_ATTEMPTS} then 'infinity'::timestamptz
            else now() + u.delay * interval '1 millisecond' end
        from u where c.id = u.id
        returning c.message_id, c.id, c.next_attempt_at, u.err is not null as failed
      )
      -- The message's later callbacks: behind a failed one they wait for its retry (out of the due range);
      -- once it is delivered or given up on, they are due now.
      update twilio_status_callbacks l set next_attempt_at = case
          when f.failed and f.next_attempt_at <> 'infinity'::timestamptz
            then greatest(l.next_attempt_at, f.next_attempt_at)
          else least(l.next_attempt_at, now()) end
      from updated f
      where l.message_id = f.message_id and l.id > f.id and l.delivered_at is null`),
  );
  return results.filter((r) => r.error === null).length;
}
