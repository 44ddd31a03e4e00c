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
}

interface TPending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: requests that arrive together are committed together. `submit` queues an item and
 * waits; whenever a committer is free it takes everything pending (up to maxBatch) and runs one
 * transaction for it. If that transaction fails, its items are retried one by one, so one bad item
 * gets its own error and the others still commit.
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
      if (batch.length === 1) {
        this.answering(1);
        batch[0]?.reject(error);
        return;
      }
      for (const p of batch) await this.commit([p]);
    }
  }
}
