import { AppError } from "../../core/errors.js";

export interface TGroupCommitOptions<I, O> {
  /** Commits a batch; answers one settlement per item, in order. Throws when the whole transaction failed. */
  run(items: I[]): Promise<PromiseSettledResult<O>[]>;
  /** Largest batch (default 256). */
  maxBatch?: number;
  /** Batches committed at the same time (PGlite: 1; Postgres: a few, bounded by the pool). */
  concurrency?: number;
  /**
   * How long a committer waits for more requests before it starts a batch smaller than maxBatch (ms).
   * With PGlite the database runs on the event loop, so requests are only parsed between statements:
   * a short wait lets them in and makes batches (and throughput) larger.
   */
  lingerMs?: number;
  /**
   * After a batch answered n items, wait up to this long (ms) for n new items before starting the next
   * batch from fewer (0: never). Callers that were just answered usually come straight back: under a
   * steady load this keeps one large batch instead of two half-size ones alternating (each batch has a
   * fixed cost of round trips). The wait ends early when they are back or maxBatch items are queued.
   */
  gatherMs?: number;
  /**
   * Told when a batch failed without proof that it rolled back (its requests then get `outcomeUnknown`),
   * with the error and how many requests it held: for the log (the requests' answers carry no cause).
   */
  onOutcomeUnknown?(error: unknown, requests: number): void;
}

interface TPending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: requests that arrive together are committed together. `submit` queues an item and
 * waits; whenever a committer is free it takes everything pending (up to maxBatch) and runs one
 * transaction for it. If that transaction fails with an error that proves it rolled back (see
 * `provesRolledBack`), its items are retried one by one, so one bad item gets its own error and the others
 * still commit. Any other failure (a lost connection: COMMIT may have been applied without its answer
 * arriving) fails every item of the batch with `outcomeUnknown`: retrying them would store them twice.
 */
export class GroupCommit<I, O> {
  private readonly queue: TPending<I, O>[] = [];
  private active = 0;
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly concurrency: number;
  private readonly lingerMs: number;
  private readonly gatherMs: number;
  /** Items answered by the last batch, submits since then, and until when to wait for them. */
  private answered = 0;
  private arrived = 0;
  private gatherUntil = 0;
  private gatherTimer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: TGroupCommitOptions<I, O>) {
    this.maxBatch = options.maxBatch ?? 256;
    this.concurrency = options.concurrency ?? 1;
    this.lingerMs = options.lingerMs ?? 0;
    this.gatherMs = options.gatherMs ?? 0;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.arrived += 1;
      this.schedule();
    });
  }

  /** Items waiting for a committer. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when nothing is queued or committing. */
  drain(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.active >= this.concurrency) return;
    if (this.gathering()) return;
    this.scheduled = true;
    // One macrotask of patience gathers the requests parsed in the same event-loop turn (or a short
    // linger when configured and the batch is still small).
    const go = () => {
      this.scheduled = false;
      this.startBatches();
    };
    if (this.lingerMs > 0 && this.queue.length < this.maxBatch / 4) setTimeout(go, this.lingerMs);
    else setImmediate(go);
  }

  /** True while the next batch waits for the callers the last one answered (a timer ends the wait). */
  private gathering(): boolean {
    if (this.gatherMs <= 0 || this.arrived >= this.answered || this.queue.length >= this.maxBatch) {
      this.stopGathering();
      return false;
    }
    const left = this.gatherUntil - performance.now();
    if (left <= 0) {
      this.stopGathering();
      return false;
    }
    this.gatherTimer ??= setTimeout(() => {
      this.gatherTimer = undefined;
      this.answered = 0;
      this.schedule();
    }, left);
    return true;
  }

  /** Called right before n callers get their answers: those that come back count from here. */
  private answering(n: number): void {
    this.answered = n;
    this.arrived = 0;
    this.gatherUntil = performance.now() + this.gatherMs;
  }

  private stopGathering(): void {
    if (this.gatherTimer === undefined) return;
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
  }

  private startBatches(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.active += 1;
      void this.commit(batch).finally(() => {
        this.active -= 1;
        if (this.queue.length > 0) this.schedule();
        else if (this.active === 0) this.notifyIdle();
      });
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async commit(batch: TPending<I, O>[]): Promise<void> {
    try {
      const settled = await this.options.run(batch.map((p) => p.item));
      this.answering(batch.length);
      batch.forEach((p, n) => {
        const s = settled[n];
        if (s?.status === "fulfilled") p.resolve(s.value);
        else p.reject(s?.reason ?? new Error("no result for item"));
      });
    } catch (error) {
      const rolledBack = provesRolledBack(error);
      if (rolledBack && batch.length > 1) {
        for (const p of batch) await this.commit([p]);
        return;
      }
      if (!rolledBack) this.options.onOutcomeUnknown?.(error, batch.length);
      const answer = rolledBack ? error : outcomeUnknown(error);
      this.answering(batch.length);
      for (const p of batch) p.reject(answer);
    }
  }
}

/**
 * SQLSTATE classes an ERROR of a statement carries when the statement (and so the transaction, whose
 * COMMIT then rolls back) was refused for what it asked: data exceptions (22), integrity constraints (23),
 * syntax and access rules (42), features (0A), cardinality (21), invalid transaction state (25),
 * serialisation failures and deadlocks (40001, 40P01), program limits (54), object state such as a lock
 * not available (55), a cancelled statement (57014), and PL/pgSQL's own raises (P0). An allow-list: a
 * class not named here (an I/O error, 58; an internal error, XX; a connection exception, 08; a shutdown,
 * 57P0x; "statement completion unknown", 40003) may come after the commit record was written.
 */
function provesStatementRefused(state: string): boolean {
  if (state === "40001" || state === "40P01" || state === "57014") return true;
  return ["22", "23", "42", "0A", "21", "25", "54", "55", "P0"].includes(state.slice(0, 2));
}

/**
 * True when `error` proves the batch's transaction rolled back: the database server answered one of its
 * statements (or its COMMIT) with an error, which aborts the transaction. Recognised by class, never by
 * text: a driver error (node-postgres, PGlite) carries the server's `severity` and a five-character SQLSTATE
 * `code`, on the error or its cause (drizzle wraps it); only the classes of provesStatementRefused count.
 * A socket error, a closed client, a JavaScript error thrown after the statement was sent, a FATAL or
 * PANIC, or any other SQLSTATE proves nothing.
 */
function provesRolledBack(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    if ("severity" in e && typeof e.severity === "string" && "code" in e && typeof e.code === "string") {
      // FATAL and PANIC end the session: whether COMMIT was applied is unknown, whatever the class.
      const fatal = e.severity === "FATAL" || e.severity === "PANIC";
      return !fatal && /^[0-9A-Z]{5}$/.test(e.code) && provesStatementRefused(e.code);
    }
    e = "cause" in e ? e.cause : undefined;
  }
  return false;
}

/**
 * The answer to each request of a batch whose outcome is unknown (503): it may have been committed. The
 * caller must not assume either way; a retry with the same Idempotency-Key is answered with the stored
 * message if there is one. The cause is kept for the log, not for the answer (a driver's text may quote
 * values).
 */
function outcomeUnknown(cause: unknown): AppError {
  return new AppError("unavailable", {
    message:
      "The outcome of this request is unknown: the database did not confirm whether it was committed, so " +
      "the message may have been accepted. Sending it again may send it twice, unless the request carried " +
      "an Idempotency-Key (I-Twilio-Idempotency-Token): a retry with the same key is answered with the " +
      "stored message.",
    cause,
  });
}
