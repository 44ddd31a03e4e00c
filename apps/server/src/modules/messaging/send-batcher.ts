import type { TAppContext } from "../../core/context.js";
import { sqlState, withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { acceptMessageBatch } from "./accept-message-batch.js";
import { rememberContact } from "./contact-cache.js";
import { signalDispatchers } from "./dispatch/dispatch-signal.js";
import { GroupCommit } from "./group-commit.js";
import { type DecisionFactsCache, type TDecisionInput, warmDecisionCaches } from "./ports.js";
import type { TAcceptedMessage, TAcceptOutcome, TSendWork } from "./send-work.js";

export type TSendBatcher = GroupCommit<TSendWork, TAcceptedMessage>;

const batchers = new WeakMap<TAppContext, TSendBatcher>();

/** Deadlocks and serialisation failures are worth one more try; everything else is final. */
const TRANSIENT = new Set(["40P01", "40001"]);

function follow(
  first: TAcceptOutcome | undefined,
  work: TSendWork,
  firstWork: TSendWork | undefined,
): PromiseSettledResult<TAcceptedMessage> {
  if (first === undefined || firstWork === undefined)
    return { status: "rejected", reason: new Error("no leading item") };
  if (firstWork.requestHash !== work.requestHash) {
    return {
      status: "rejected",
      reason: new AppError("idempotency_conflict", {
        message: "this Idempotency-Key was used with a different request",
        field: "Idempotency-Key",
      }),
    };
  }
  return first.ok
    ? { status: "fulfilled", value: { ...first.value, replayed: true } }
    : { status: "rejected", reason: first.error };
}

/**
 * Read into the cache, after the batch committed (an embedded database has one connection), the facts
 * and campaigns it did not hold, so the next sends to these recipients decide without a read. Contacts
 * written in this process less than the cache's settle time ago (new recipients of this batch among them)
 * are skipped: their read would not be kept. The cache batches these reads and keeps the entries fresh
 * while they are used; a failed read only means a miss.
 */
function warmUp(ctx: TAppContext, cache: DecisionFactsCache, missed: TDecisionInput[]): void {
  // The SQLSTATE only: a driver error's text may quote values.
  const failed = (error: unknown) =>
    ctx.logger.debug({ sqlState: sqlState(error) ?? null }, "decision cache warm-up read failed");
  const now = performance.now();
  for (const m of missed) {
    if (m.campaignId) cache.campaign(m.workspaceId, m.campaignId).catch(failed);
    if (cache.storable(m.workspaceId, m.contactId, now))
      cache.facts(m.workspaceId, m.contactId, m.brandId).catch(failed);
  }
}

async function runBatch(
  ctx: TAppContext,
  works: TSendWork[],
): Promise<PromiseSettledResult<TAcceptedMessage>[]> {
  const keys = new Map<string, TWorkspaceKeys>();
  for (const ws of new Set(works.map((w) => w.workspaceId)))
    keys.set(ws, await ctx.keys.forWorkspace(ctx.db, ws));
  let attempt = 0;
  for (;;) {
    try {
      const now = ctx.clock();
      const cache = warmDecisionCaches.of(ctx);
      const result = await withSystemTx(ctx.db, (tx) =>
        acceptMessageBatch(tx, works, {
          keys,
          now,
          notify: ctx.database.kind === "postgres",
          last: true,
          cache,
        }),
      );
      for (const r of result.resolved)
        rememberContact(r.workspaceId, r.channel, r.address, r.contactId, now.getTime());
      if (cache) warmUp(ctx, cache, result.missed);
      if (result.outcomes.some((x) => x?.ok === true && x.value.status === "queued" && !x.value.replayed))
        signalDispatchers();
      const leaders = new Map<string, number>();
      return works.map((work, n) => {
        const key =
          work.idempotencyKey === undefined ? undefined : `${work.workspaceId}\u0000${work.idempotencyKey}`;
        const outcome = result.outcomes[n];
        if (outcome === undefined) {
          const lead = key === undefined ? undefined : leaders.get(key);
          return follow(
            lead === undefined ? undefined : result.outcomes[lead],
            work,
            lead === undefined ? undefined : works[lead],
          );
        }
        if (key !== undefined && !leaders.has(key)) leaders.set(key, n);
        return outcome.ok
          ? { status: "fulfilled", value: outcome.value }
          : { status: "rejected", reason: outcome.error };
      });
    } catch (error) {
      attempt += 1;
      if (attempt >= 3 || !TRANSIENT.has(sqlState(error) ?? "")) throw error;
    }
  }
}

/**
 * The process's send batcher for this context: POST /v1/messages and the Twilio-compatible endpoint
 * submit to it. One transaction at a time (see `concurrency` below).
 */
export function getSendBatcher(
  ctx: TAppContext,
  options: { maxBatch?: number; concurrency?: number; lingerMs?: number; gatherMs?: number } = {},
): TSendBatcher {
  let batcher = batchers.get(ctx);
  if (!batcher) {
    batcher = new GroupCommit<TSendWork, TAcceptedMessage>({
      run: (works) => runBatch(ctx, works),
      // The SQLSTATE and the error's class only: a driver error's text may quote values.
      onOutcomeUnknown: (error, requests) =>
        ctx.logger.error(
          {
            sqlState: sqlState(error) ?? null,
            errorName: error instanceof Error ? error.name : typeof error,
            requests,
          },
          "send batch failed with its outcome unknown: its requests were answered 503, not retried",
        ),
      maxBatch: options.maxBatch ?? 256,
      // One batch at a time on both engines: each batch has a fixed cost (four round trips, two large
      // statements), and requests that arrive while one commits make the next batch larger. Two at a time
      // split the same requests into batches half as large: on 2 cores that cost about a third more CPU per
      // request, in the server and in Postgres alike (measured with bench/messaging-send.bench.ts).
      concurrency: options.concurrency ?? 1,
      lingerMs: options.lingerMs ?? (ctx.database.kind === "pglite" ? 2 : 0),
      // Postgres: wait up to 2 ms for the callers the last batch answered. At 64 connections this took
      // the batches from ~31 to ~36–40 requests and lowered CPU per request in the server and Postgres
      // alike (bench/messaging-send.bench.ts, alternating runs); a request waits at most 2 ms more.
      gatherMs: options.gatherMs ?? (ctx.database.kind === "postgres" ? 2 : 0),
    });
    batchers.set(ctx, batcher);
  }
  return batcher;
}
