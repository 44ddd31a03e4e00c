import { sql } from "drizzle-orm";
import { rows, type TTx } from "../db/tx.js";
import { enqueueJobs, type TEnqueueOptions } from "./enqueue-jobs.js";
import type { TJobDefinition } from "./job-types.js";

/**
 * Enqueue a job inside the caller's transaction (outbox semantics: the job exists iff the transaction
 * commits). With a singleton key already pending or running, nothing is added and that job's id is returned.
 */
export async function enqueueJob<T>(
  tx: TTx,
  job: string | TJobDefinition<T>,
  payload: T,
  options: TEnqueueOptions = {},
): Promise<{ id: string; created: boolean }> {
  const name = typeof job === "string" ? job : job.name;
  // Two rounds: the job holding the singleton key may finish between the insert and the lookup.
  for (let round = 0; round < 2; round++) {
    const [id] = await enqueueJobs(tx, job, [{ payload, ...options }]);
    if (id) return { id, created: true };
    const existing = await rows<{ id: string }>(
      tx,
      sql`select id from jobs where name = ${name} and singleton_key = ${options.singletonKey ?? null}
        and state in ('pending', 'running') limit 1`,
    );
    if (existing[0]) return { id: existing[0].id, created: false };
  }
  throw new Error(`job ${name} was neither created nor found`);
}
