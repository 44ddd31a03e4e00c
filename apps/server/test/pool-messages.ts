import type pg from "pg";
import type { TDb } from "../src/core/db/client.js";

const wrapped = new WeakSet<pg.PoolClient>();
let recording: string[] | null = null;

/**
 * Records the text of every message the app sends on a Postgres database's pooled connections, as the
 * server receives them, until `stop()`: for tests about round trips. Each client is wrapped once, when
 * first checked out while recording.
 */
export function recordPoolMessages(db: TDb): { sent: string[]; stop(): void } {
  const pool = (db as unknown as { $client: pg.Pool }).$client;
  const sent: string[] = [];
  recording = sent;
  const onAcquire = (client: pg.PoolClient) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      const first = a[0];
      recording?.push(typeof first === "string" ? first : String((first as { text?: string }).text));
      return query(...a);
    };
  };
  pool.on("acquire", onAcquire);
  return {
    sent,
    stop() {
      pool.off("acquire", onAcquire);
      if (recording === sent) recording = null;
    },
  };
}
