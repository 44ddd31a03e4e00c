import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import type { TAppContext } from "../../../core/context.js";
import { sqlState, withSystemTx } from "../../../core/db/tx.js";
import { createAdapter, type TChannelAdapter } from "../../channels/index.js";
import { backfillProviderMessageIds } from "../backfill-provider-message-ids.js";
import { onDispatchSignal } from "./dispatch-signal.js";
import type { TDispatcherHost, TDispatcherOptions, TResolvedDispatcherOptions } from "./dispatcher-host.js";
import { reapExpiredLeases } from "./reap-expired-leases.js";
import { reconcileOrphanStatuses } from "./reconcile-orphan-statuses.js";
import { recordSendResults, type TSendResultItem } from "./record-send-results.js";
import { recordSendResultsSingly } from "./record-send-results-singly.js";
import { acquireSenderLeases } from "./sender-leases.js";
import { SenderRunner, type TDispatchAccount } from "./sender-runner.js";
import { sweepDisabledSenders } from "./sweep-disabled-senders.js";

function resolveOptions(o: TDispatcherOptions): TResolvedDispatcherOptions {
  return {
    batchSize: o.batchSize ?? 1000,
    pollMs: o.pollMs ?? 250,
    senderLeaseMs: o.senderLeaseMs ?? 10_000,
    leaseMarginMs: o.leaseMarginMs ?? 2_000,
    messageLeaseMs: o.messageLeaseMs ?? 60_000,
    reapEveryMs: o.reapEveryMs ?? 1_000,
    maxSenders: o.maxSenders ?? 64,
    maxInFlightPerSender: o.maxInFlightPerSender ?? 64,
    maxAttempts: o.maxAttempts ?? 8,
    backoffBaseMs: o.backoffBaseMs ?? 1_000,
    backoffMaxMs: o.backoffMaxMs ?? 300_000,
    idleReleaseMs: o.idleReleaseMs ?? 1_000,
    recordBatch: o.recordBatch ?? 2_000,
    // Three, not two: on 2 cores the third lane keeps Postgres busy while node plans the other two's
    // batches (bench/dispatch.bench.ts, alternated with 2 lanes: faster in five rounds of six, even in one).
    claimLanes: o.claimLanes ?? 3,
    recordEveryMs: o.recordEveryMs ?? 10,
    createAdapter: o.createAdapter,
    fetch: o.fetch,
    baseUrls: o.baseUrls,
    listenUrl: o.listenUrl,
    onHandOff: o.onHandOff,
  };
}

class Dispatcher implements TDispatcherHost {
  readonly holder: string;
  readonly options: TResolvedDispatcherOptions;
  running = true;
  private readonly runners = new Map<string, SenderRunner>();
  private readonly runs = new Set<Promise<void>>();
  private results: TSendResultItem[] = [];
  private flushing = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly flushes = new Set<Promise<void>>();
  private wakeMain: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private listener: pg.Client | undefined;
  private unsubscribe: (() => void) | undefined;
  private backfill: Promise<void> | undefined;

  constructor(
    readonly ctx: TAppContext,
    options: TDispatcherOptions,
  ) {
    this.holder = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
    this.options = resolveOptions(options);
  }

  createAdapter(account: TDispatchAccount, credentials: unknown): TChannelAdapter {
    if (this.options.createAdapter) return this.options.createAdapter(account, credentials);
    const baseUrl = this.options.baseUrls?.[account.providerId];
    return createAdapter(account.providerId, credentials, {
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
      ...(baseUrl ? { baseUrl } : {}),
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = onDispatchSignal(() => this.wake());
    const url = this.options.listenUrl ?? this.ctx.config.databaseUrl;
    if (this.ctx.database.kind === "postgres" && url) {
      try {
        const client = new pg.Client({ connectionString: url });
        client.on("error", () => undefined);
        await client.connect();
        client.on("notification", () => this.wake());
        await client.query("listen assent_dispatch");
        this.listener = client;
      } catch (error) {
        this.ctx.logger.warn({ err: error }, "dispatcher LISTEN unavailable; polling only");
      }
    }
    this.loop = this.mainLoop();
    this.backfill = this.backfillProviderIds();
  }

  /**
   * Once per start, beside the loop: provider ids stored in the clear before migration 0354 (WhatsApp
   * Cloud, Instagram) are hashed and sealed (backfillProviderMessageIds). Nothing to do costs an index
   * probe per such sender; a failure is logged and retried at the next start, status webhooks keep finding
   * unconverted rows meanwhile.
   */
  private async backfillProviderIds(): Promise<void> {
    try {
      const counts = await backfillProviderMessageIds(this.ctx, { stopped: () => !this.running });
      if (counts.providerIds > 0 || counts.messages > 0 || counts.orphans > 0)
        this.ctx.logger.info(counts, "provider message ids stored before migration 0354 hashed and sealed");
    } catch (error) {
      this.ctx.logger.error({ code: sqlState(error) }, "provider message id backfill failed");
    }
  }

  wake(): void {
    this.signalled = true;
    this.wakeMain?.();
    for (const r of this.runners.values()) r.wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeMain = done;
    });
  }

  private signalled = true;

  private async mainLoop(): Promise<void> {
    let lastReap = 0;
    let lastAcquire = 0;
    while (this.running) {
      try {
        const free = this.options.maxSenders - this.runners.size;
        // Looking for senders scans the due index: at most every 250 ms while this worker holds none, every
        // second while it is busy (a signal only makes the next look come at the earliest allowed time).
        const every = Math.max(this.runners.size > 0 ? 1000 : 250, this.options.pollMs);
        const since = Date.now() - lastAcquire;
        if (free > 0 && (since >= every || (this.signalled && since >= every / 4))) {
          this.signalled = false;
          lastAcquire = Date.now();
          const acquiredAt = Date.now();
          const leases = await acquireSenderLeases(this.ctx.db, {
            holder: this.holder,
            leaseMs: this.options.senderLeaseMs,
            max: free,
            exclude: [...this.runners.keys()],
          });
          for (const lease of leases) this.startRunner(new SenderRunner(this, lease, acquiredAt));
        }
        if (Date.now() - lastReap >= this.options.reapEveryMs) {
          lastReap = Date.now();
          await reapExpiredLeases(this.ctx.db);
          await sweepDisabledSenders(this.ctx.db);
          await reconcileOrphanStatuses(this.ctx.db);
        }
      } catch (error) {
        this.ctx.logger.error({ err: error }, "dispatcher round failed");
      }
      if (this.running) await this.sleep(this.options.pollMs);
    }
  }

  private startRunner(runner: SenderRunner): void {
    this.runners.set(runner.id, runner);
    const run = runner.run().finally(() => {
      this.runners.delete(runner.id);
      this.runs.delete(run);
      // Leftover due work is picked up by the next round without waiting for the poll.
      if (this.running) this.wake();
    });
    this.runs.add(run);
  }

  record(item: TSendResultItem): void {
    this.results.push(item);
    if (this.results.length >= this.options.recordBatch) this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.options.recordEveryMs);
  }

  private flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const limit = this.ctx.database.kind === "postgres" ? 2 : 1;
    if (this.results.length === 0 || this.flushing >= limit) return;
    const items = this.results.splice(0, this.options.recordBatch);
    this.flushing += 1;
    const p = withSystemTx(this.ctx.db, (tx) => recordSendResults(tx, items, new Date()))
      .catch((error: unknown) => this.recordSingly(items, error))
      .catch((error: unknown) => {
        // Only the SQLSTATE: a driver error's detail may quote the values (provider texts, addresses).
        this.ctx.logger.error(
          { code: sqlState(error), count: items.length },
          "recording send results failed; retrying",
        );
        this.results.unshift(...items);
      })
      .finally(() => {
        this.flushing -= 1;
        this.flushes.delete(p);
        if (this.results.length > 0) {
          if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.options.recordEveryMs);
        }
      });
    this.flushes.add(p);
  }

  /**
   * A batch that failed to record is recorded one result at a time: a result the database refuses for its
   * data becomes a dead letter instead of holding back every result after it (retried at the front of the
   * queue forever, while sends the provider accepted are never recorded). What failed otherwise is retried.
   */
  private async recordSingly(items: TSendResultItem[], error: unknown): Promise<void> {
    this.ctx.logger.warn(
      { code: sqlState(error), count: items.length },
      "recording send results failed; recording them one at a time",
    );
    const r = await recordSendResultsSingly(this.ctx.db, items, new Date());
    if (r.deadLettered.length > 0)
      this.ctx.logger.error(
        { messageIds: r.deadLettered },
        "send results refused by the database; recorded as send_result_unrecordable",
      );
    if (r.abandoned.length > 0)
      this.ctx.logger.error(
        { messageIds: r.abandoned },
        "send results not recordable at all; left to crash recovery (lease expiry)",
      );
    if (r.left.length > 0) {
      this.ctx.logger.error({ count: r.left.length }, "recording send results failed; retrying");
      this.results.unshift(...r.left);
    }
  }

  private async drainResults(): Promise<void> {
    for (let n = 0; n < 50 && (this.results.length > 0 || this.flushes.size > 0); n++) {
      this.flush();
      await Promise.allSettled([...this.flushes]);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wake();
    await this.loop;
    await this.backfill;
    await Promise.allSettled([...this.runs]);
    await this.drainResults();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.listener) await this.listener.end().catch(() => undefined);
  }
}

/**
 * Start a dispatcher (the `--role worker` loop): it leases senders with due messages, claims and
 * decides in one transaction per batch, paces sends by each sender's rate limit, records the results
 * in batches, and turns expired `sending` leases into `unknown` (or re-queues them for idempotent
 * adapters). Returns the stop function, which finishes in-flight sends and records their results.
 */
export async function startDispatcher(
  ctx: TAppContext,
  options: TDispatcherOptions = {},
): Promise<() => Promise<void>> {
  const dispatcher = new Dispatcher(ctx, options);
  await dispatcher.start();
  return () => dispatcher.stop();
}

/** Run one crash-recovery sweep now (tests, CLI). */
export function reapNow(ctx: TAppContext): Promise<{ unknown: number; requeued: number }> {
  return reapExpiredLeases(ctx.db);
}
