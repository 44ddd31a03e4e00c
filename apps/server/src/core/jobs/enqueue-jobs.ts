import { sql } from "drizzle-orm";
import { rows, type TTx } from "../db/tx.js";
import { newId } from "../ids.js";
import { findJobDefinition } from "./job-registry.js";
import type { TJobDefinition } from "./job-types.js";

export interface TEnqueueOptions {
  /** Not before this time (default: now). */
  runAt?: Date | undefined;
  /** While a job of this name and key is pending or running, enqueueing another is a no-op. */
  singletonKey?: string | undefined;
}

/** The definition of a job by name or definition, checked to be registered. */
function definitionOf<T>(job: string | TJobDefinition<T>): TJobDefinition<unknown> {
  const name = typeof job === "string" ? job : job.name;
  const found = findJobDefinition(name);
  if (!found) throw new Error(`unknown job ${name}: define it with defineJob before enqueueing`);
  return found;
}

function checkedPayload(definition: TJobDefinition<unknown>, payload: unknown): string {
  const parsed = definition.schema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `invalid payload for job ${definition.name}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`,
    );
  }
  return JSON.stringify(parsed.data);
}

/**
 * Enqueue many jobs of one name inside the caller's transaction (outbox: they exist iff it commits), in one
 * statement. Returns the ids of the jobs created (singleton duplicates are skipped).
 */
export async function enqueueJobs<T>(
  tx: TTx,
  job: string | TJobDefinition<T>,
  items: readonly ({ payload: T } & TEnqueueOptions)[],
): Promise<string[]> {
  if (items.length === 0) return [];
  const definition = definitionOf(job);
  const ids: string[] = [];
  const payloads: string[] = [];
  const runAts: (string | null)[] = [];
  const keys: (string | null)[] = [];
  for (const item of items) {
    ids.push(newId("job"));
    payloads.push(checkedPayload(definition, item.payload));
    runAts.push(item.runAt ? item.runAt.toISOString() : null);
    keys.push(item.singletonKey ?? null);
  }
  const created = await rows<{ id: string }>(
    tx,
    sql`insert into jobs (id, name, payload, run_at, max_attempts, singleton_key)
      select i, ${definition.name}, p::jsonb, coalesce(r::timestamptz, now()), ${definition.retry.limit + 1}, k
      from unnest(${sql.param(ids)}::text[], ${sql.param(payloads)}::text[], ${sql.param(runAts)}::text[],
        ${sql.param(keys)}::text[]) as t(i, p, r, k)
      on conflict (name, singleton_key) where singleton_key is not null and state in ('pending', 'running') do nothing
      returning id`,
  );
  return created.map((r) => r.id);
}
