import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { decryptField } from "../../../core/keyring.js";
import {
  isChannelError,
  type TChannel,
  type TChannelAdapter,
  type TOutboundMessage,
  type TProviderId,
} from "../../channels/index.js";
import { insertMessageEvents } from "../insert-message-events.js";
import { providerIdsArePersonal } from "../personal-provider-ids.js";
import { providerIdRef, type TProviderIdRef } from "../provider-id-ref.js";
import { backoffMs } from "./backoff.js";
import { claimMessages, type TClaimedMessage, type TClaimSender } from "./claim-messages.js";
import type { TDispatcherHost } from "./dispatcher-host.js";
import type { TResultClaim, TSendResultItem } from "./record-send-results.js";
import { scalarJsonMap } from "./scalar-json-map.js";
import { RecipientPacer, SendRateLimiter } from "./send-rate-limiter.js";
import { releaseSenderLease, renewSenderLeases, type TAcquiredLease } from "./sender-leases.js";

/** A sender as the dispatcher loads it once per lease. */
export interface TDispatchAccount {
  id: string;
  workspaceId: string;
  brandId: string;
  channel: TChannel;
  providerId: TProviderId;
  address: string | null;
  ratePerSecond: number;
  ratePerRecipient: number | null;
  rateUnit: "message" | "segment";
  status: "active" | "disabled";
}

const failureReasons: Record<string, string> = {
  OUTSIDE_WINDOW: "outside_session_window",
  RECIPIENT_BLOCKED: "recipient_blocked",
  RECIPIENT_OPTED_OUT: "recipient_opted_out",
  INVALID_RECIPIENT: "invalid_recipient",
  TEMPLATE_REJECTED: "template_rejected",
  AUTH_FAILED: "auth_failed",
  INVALID_PAYLOAD: "invalid_payload",
  REJECTED: "provider_rejected",
  RATE_LIMITED: "retries_exhausted",
  UNAVAILABLE: "retries_exhausted",
};

/**
 * Sends for one leased sender until its queue stays empty or the lease is lost: claim what the rate
 * window allows, pace each send, hand it to the adapter, pass the answer to the result recorder.
 */
export class SenderRunner {
  private account: TDispatchAccount | undefined;
  /** Hashes and seals a provider id, for an account whose ids can carry personal data (personal-provider-ids.ts). */
  private protectId: ((providerMessageId: string) => TProviderIdRef) | undefined;
  private adapter: TChannelAdapter | undefined;
  private limiter: SendRateLimiter | undefined;
  private pacer: RecipientPacer | undefined;
  private sender: TClaimSender | undefined;
  private validUntil: number;
  private lost = false;
  /** A pause began that the lease row does not have yet: the next keepLease writes it. */
  private pauseUnsaved = false;
  private readonly inflight = new Set<Promise<void>>();
  private wakeIdle: (() => void) | undefined;

  constructor(
    private readonly host: TDispatcherHost,
    private readonly lease: TAcquiredLease,
    acquiredAt: number,
  ) {
    this.validUntil = acquiredAt + host.options.senderLeaseMs - host.options.leaseMarginMs;
  }

  get id(): string {
    return this.lease.channelAccountId;
  }

  wake(): void {
    this.wakeIdle?.();
  }

  private valid(at = Date.now()): boolean {
    return !this.lost && at < this.validUntil;
  }

  private async load(): Promise<boolean> {
    const { ctx } = this.host;
    const found = await withSystemTx(ctx.db, (tx) =>
      rows<{
        id: string;
        workspace_id: string;
        brand_id: string;
        channel: TChannel;
        provider_id: TProviderId;
        address: string | null;
        rate_per_second: number | string;
        rate_per_recipient: number | string | null;
        rate_unit: string;
        status: string;
        credentials_sealed: string;
      }>(
        tx,
        sql`select id, workspace_id, brand_id, channel, provider_id, address, rate_per_second, rate_per_recipient, rate_unit,
            status, credentials_sealed from channel_accounts where id = ${this.id}`,
      ),
    );
    const row = found[0];
    if (row?.status !== "active") return false;
    const keys = await ctx.keys.forWorkspace(ctx.db, row.workspace_id);
    const account: TDispatchAccount = {
      id: row.id,
      workspaceId: row.workspace_id,
      brandId: row.brand_id,
      channel: row.channel,
      providerId: row.provider_id,
      address: row.address,
      ratePerSecond: Number(row.rate_per_second),
      ratePerRecipient: row.rate_per_recipient === null ? null : Number(row.rate_per_recipient),
      rateUnit: row.rate_unit === "segment" ? "segment" : "message",
      status: "active",
    };
    const credentials: unknown = JSON.parse(decryptField(keys, row.workspace_id, row.credentials_sealed));
    this.account = account;
    this.protectId = providerIdsArePersonal(account.providerId)
      ? (id) => providerIdRef(id, { keys, workspaceId: account.workspaceId })
      : undefined;
    this.adapter = this.host.createAdapter(account, credentials);
    const now = Date.now();
    this.limiter = new SendRateLimiter(account.ratePerSecond);
    this.limiter.restore(this.lease.recent, now);
    // A pause the provider asked of the previous holder still holds.
    this.limiter.pauseUntil(this.lease.pausedUntil);
    if (account.ratePerRecipient !== null) {
      this.pacer = new RecipientPacer(account.ratePerRecipient);
      this.pacer.restore(this.lease.pacing, now);
    }
    this.sender = {
      id: account.id,
      workspaceId: account.workspaceId,
      channel: account.channel,
      keys,
      idempotentSends: this.adapter.idempotentSends,
      pacer: this.pacer,
    };
    return true;
  }

  /** Renew the lease well before it lapses (slow senders spend long between claims). */
  private renewing: Promise<void> | undefined;

  private keepLease(): Promise<void> {
    const o = this.host.options;
    if (this.lost || (this.validUntil - Date.now() > o.senderLeaseMs / 2 && !this.pauseUnsaved))
      return Promise.resolve();
    this.renewing ??= this.renew().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renew(): Promise<void> {
    const o = this.host.options;
    const before = Date.now();
    // A pause is written with the renewal, so that it outlives this worker even if it dies.
    const unsaved = this.pauseUnsaved;
    const pausedUntil = unsaved ? this.limiter?.pausedUntil(before) : undefined;
    this.pauseUnsaved = false;
    let lost: Set<string>;
    try {
      lost = await renewSenderLeases(this.host.ctx.db, {
        holder: this.host.holder,
        leaseMs: o.senderLeaseMs,
        channelAccountIds: [this.id],
        pausedUntil,
      });
    } catch (error) {
      // Not written: the next renewal tries again (a pause begun meanwhile is flagged anew).
      if (unsaved) this.pauseUnsaved = true;
      throw error;
    }
    if (lost.has(this.id)) this.lost = true;
    else this.validUntil = before + o.senderLeaseMs - o.leaseMarginMs;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeIdle = done;
    });
  }

  async run(): Promise<void> {
    try {
      if (!(await this.load())) return;
      const o = this.host.options;
      // A sender fast enough that the limiter never binds gets several claimers, each on its share of the queue.
      const lanes = (this.account?.ratePerSecond ?? 0) >= o.batchSize * 10 ? Math.max(1, o.claimLanes) : 1;
      await Promise.all(
        Array.from({ length: lanes }, (_, index) => this.lane(lanes > 1 ? { index, of: lanes } : undefined)),
      );
    } catch (error) {
      this.host.ctx.logger.error({ err: error, channelAccountId: this.id }, "sender runner failed");
    } finally {
      await this.settleInflight();
      await this.finish();
    }
  }

  /**
   * Wait for the sends still in flight, renewing the lease meanwhile: until they are answered they count
   * against the sender's rate, and a successor that took the sender now would not know them.
   */
  private async settleInflight(): Promise<void> {
    const every = Math.max(10, Math.min(1_000, this.host.options.senderLeaseMs / 4));
    while (this.inflight.size > 0) {
      try {
        await this.keepLease();
      } catch (error) {
        this.host.ctx.logger.warn({ err: error, channelAccountId: this.id }, "sender lease renewal failed");
      }
      await Promise.race([Promise.allSettled([...this.inflight]), sleep(every)]);
    }
  }

  private async lane(lane: { index: number; of: number } | undefined): Promise<void> {
    const o = this.host.options;
    let idleSince: number | undefined;
    while (this.host.running && this.valid()) {
      const limiter = this.limiter;
      const sender = this.sender;
      if (!limiter || !sender) return;
      const cap = Math.min(
        o.batchSize,
        limiter.available(Date.now()),
        o.maxInFlightPerSender - this.inflight.size,
      );
      if (cap <= 0) {
        await this.keepLease();
        await sleep(Math.max(1, Math.min(limiter.waitFor(1, Date.now()), 100)));
        continue;
      }
      await this.keepLease();
      if (!this.valid()) break;
      const result = await withSystemTx(this.host.ctx.db, (tx) =>
        claimMessages(tx, {
          sender,
          holder: this.host.holder,
          limit: cap,
          senderLeaseMs: o.senderLeaseMs,
          messageLeaseMs: o.messageLeaseMs,
          lane,
        }),
      );
      if (result.lost) {
        this.lost = true;
        break;
      }
      if (result.candidates === 0) {
        idleSince ??= Date.now();
        if (Date.now() - idleSince >= o.idleReleaseMs) break;
        await this.idle(o.pollMs);
        continue;
      }
      idleSince = undefined;
      if (result.claimed.length > 0) await this.sendAll(result.claimed);
      else await sleep(5);
    }
  }

  /** Hand the sender back with its rate state (a no-op when another worker holds it by now). */
  private async finish(): Promise<void> {
    await this.saveState(false);
  }

  /** Write the rate state to the lease row (and release it unless `keep`), while this worker holds it. */
  private async saveState(keep: boolean): Promise<void> {
    const now = Date.now();
    try {
      await releaseSenderLease(this.host.ctx.db, {
        holder: this.host.holder,
        channelAccountId: this.id,
        recent: this.limiter?.snapshot(now) ?? [],
        pacing: this.pacer?.snapshot(now) ?? {},
        pausedUntil: this.limiter?.pausedUntil(now) ?? 0,
        keep,
      });
    } catch (error) {
      this.host.ctx.logger.warn(
        { err: error, channelAccountId: this.id },
        keep ? "sender rate state not saved" : "sender lease release failed (it will expire)",
      );
    }
  }

  private async sendAll(claimed: TClaimedMessage[]): Promise<void> {
    const limiter = this.limiter;
    const account = this.account;
    if (!limiter || !account) return;
    const o = this.host.options;
    for (let n = 0; n < claimed.length; n++) {
      const m = claimed[n];
      if (!m) continue;
      const units = account.rateUnit === "segment" ? Math.max(1, m.segments) : 1;
      for (;;) {
        const wait = limiter.waitFor(units, Date.now());
        if (wait <= 0) break;
        await this.keepLease();
        if (!this.valid(Date.now() + wait)) break;
        await sleep(Math.min(wait, 1000));
      }
      while (this.inflight.size >= o.maxInFlightPerSender) await Promise.race(this.inflight);
      if (!this.valid() || limiter.waitFor(units, Date.now()) > 0) {
        // Not handed to the provider: give these back at once, they are certainly unsent. A wait longer
        // than the lease is no lost lease: this worker keeps the sender (and its rate state), and claims
        // them again when the limiter lets it; a lapsed lease ends the run, which hands the state over.
        await this.giveBack(claimed.slice(n), this.valid() ? "sender_rate_wait" : "sender_lease_lost");
        await this.saveState(true);
        return;
      }
      limiter.take(units, Date.now());
      this.host.options.onHandOff?.({ ...m, channelAccountId: account.id });
      const p = this.sendOne(m).finally(() => {
        const at = Date.now();
        limiter.finish(units, at);
        this.pacer?.finish(m.contactId, at);
      });
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private async giveBack(
    messages: TClaimedMessage[],
    reason: "sender_rate_wait" | "sender_lease_lost",
  ): Promise<void> {
    if (messages.length === 0) return;
    for (const m of messages) this.pacer?.cancel(m.contactId, undefined);
    const ids = messages.map((m) => m.id);
    // Each keeps the due time it was claimed at: messages accepted after it (to the same recipient) must
    // not overtake it.
    const due = scalarJsonMap(
      messages,
      (m) => m.id,
      (m) => m.dueMs,
    );
    await withSystemTx(this.host.ctx.db, async (tx) => {
      const back = await rows<{ id: string; workspace_id: string }>(
        tx,
        sql`update messages m set status = 'queued',
            due_at = coalesce(to_timestamp((d.j ->> m.id)::float8 / 1000), now()), lease_until = null,
            lease_holder = null, attempts = greatest(m.attempts - 1, 0), updated_at = now()
          from (select ${due}::jsonb as j) d
          where m.id = any(${sql.param(ids)}::text[]) and m.status = 'sending' and m.lease_holder = ${this.host.holder}
          returning m.id, m.workspace_id`,
      );
      await insertMessageEvents(
        tx,
        back.map((r) => ({
          workspaceId: r.workspace_id,
          messageId: r.id,
          type: "requeued",
          at: new Date(),
          reason,
        })),
      );
    });
  }

  private outbound(m: TClaimedMessage): TOutboundMessage {
    const { content } = m;
    // Twilio: its status callbacks come to this sender's webhook, naming the message (`m`), so that a
    // callback finds a message whose SM sid was never stored (the worker died before recording it).
    const callback =
      this.account?.providerId === "twilio" && this.host.ctx.config.publicUrl
        ? `${this.host.ctx.config.publicUrl.replace(/\/+$/, "")}/webhooks/${this.id}?m=${encodeURIComponent(m.id)}`
        : undefined;
    return {
      messageId: m.id,
      to: m.address,
      ...(content.body !== undefined ? { body: content.body } : {}),
      ...(content.media !== undefined ? { media: content.media } : {}),
      ...(content.template !== undefined
        ? {
            template: {
              name: content.template.name,
              language: content.template.language,
              ...(content.template.components
                ? {
                    components: content.template.components.map((c) => ({
                      type: String(c.type ?? ""),
                      ...c,
                    })),
                  }
                : {}),
              ...(content.template.variables ? { variables: content.template.variables } : {}),
            },
          }
        : {}),
      ...(content.tag === "human_agent" ? { humanAgentTag: true } : {}),
      ...(callback ? { statusCallbackUrl: callback } : {}),
      ...(m.businessConnectionId !== undefined ? { businessConnectionId: m.businessConnectionId } : {}),
    };
  }

  private async sendOne(m: TClaimedMessage): Promise<void> {
    const adapter = this.adapter;
    const account = this.account;
    if (!adapter || !account) return;
    let item: TSendResultItem;
    try {
      const r = await adapter.send(this.outbound(m));
      item = {
        kind: "sent",
        id: m.id,
        workspaceId: m.workspaceId,
        claim: this.claimOf(m),
        channelAccountId: account.id,
        providerMessageId: r.providerMessageId,
        // Hashed and sealed when recorded, for a provider whose ids can carry personal data.
        protectId: this.protectId,
        acceptedAt: r.acceptedAt,
        segments: r.segments,
        statusCallbackUrl: m.statusCallbackUrl,
        callbackKeyId: m.callbackKeyId,
      };
    } catch (error) {
      item = this.classify(error, m);
    }
    this.host.record(item);
  }

  /** The claim a result answers, as the claim recorded it on the row (see inClaim in record-send-results.ts). */
  private claimOf(m: TClaimedMessage): TResultClaim {
    return { holder: this.host.holder, attempts: m.attempts };
  }

  private classify(error: unknown, m: TClaimedMessage): TSendResultItem {
    const o = this.host.options;
    const now = Date.now();
    const channelError = isChannelError(error) ? error : undefined;
    // The provider may have the message: resending could deliver it twice, so only an adapter with
    // idempotent sends is retried; for the others the outcome is `unknown`, reconciled from status
    // webhooks like an expired lease's, never blindly resent.
    if (channelError?.maybeSent === true && this.sender?.idempotentSends !== true)
      return {
        kind: "failed",
        unknown: true,
        id: m.id,
        workspaceId: m.workspaceId,
        claim: this.claimOf(m),
        contactId: m.contactId,
        channelAccountId: this.id,
        reason: "provider_outcome_unknown",
        errorCode: channelError.providerCode ?? channelError.code,
        errorMessage: channelError.message,
        markUnreachable: false,
        statusCallbackUrl: m.statusCallbackUrl,
        callbackKeyId: m.callbackKeyId,
      };
    const retryable = channelError ? channelError.retryable || channelError.maybeSent : true;
    const code = channelError?.code ?? "UNAVAILABLE";
    const errorCode = channelError?.providerCode ?? code;
    const errorMessage = channelError?.message ?? "adapter error";
    if (retryable && m.attempts < o.maxAttempts) {
      let delay = backoffMs(m.attempts, o.backoffBaseMs, o.backoffMaxMs);
      if (channelError?.retryAfterMs !== undefined) delay = Math.max(delay, channelError.retryAfterMs);
      // A limit on this one recipient (WhatsApp's pair rate) holds back only this message (and, through
      // the recipient pacer, the recipient's next ones); the sender's other recipients go on.
      if (code === "RATE_LIMITED" && channelError?.recipientScoped !== true) {
        this.limiter?.pauseUntil(now + (channelError?.retryAfterMs ?? delay));
        this.pauseUnsaved = true;
      }
      return {
        kind: "retry",
        id: m.id,
        workspaceId: m.workspaceId,
        claim: this.claimOf(m),
        dueAt: new Date(now + delay),
        reason: code === "RATE_LIMITED" ? "provider_rate_limited" : "provider_unavailable",
        errorCode,
        errorMessage,
      };
    }
    return {
      kind: "failed",
      id: m.id,
      workspaceId: m.workspaceId,
      claim: this.claimOf(m),
      contactId: m.contactId,
      channelAccountId: this.id,
      reason: failureReasons[code] ?? "provider_rejected",
      errorCode,
      errorMessage,
      markUnreachable: code === "RECIPIENT_BLOCKED",
      statusCallbackUrl: m.statusCallbackUrl,
      callbackKeyId: m.callbackKeyId,
    };
  }
}
