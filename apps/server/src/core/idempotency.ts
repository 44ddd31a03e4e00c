import { hash } from "node:crypto";
import { sql } from "drizzle-orm";
import { canonicalJson } from "./canonical-json.js";
import type { TDb } from "./db/client.js";
import { rows, sqlState, type TTx, withWorkspaceTx } from "./db/tx.js";
import { AppError } from "./errors.js";
import { decryptField, encryptField, type TWorkspaceKeys } from "./keyring.js";

export interface TIdempotentResult {
  statusCode: number;
  body: unknown;
}

export function requestHash(route: string, payload: unknown): string {
  return hash("sha256", route + canonicalJson(payload ?? null), "hex");
}

/**
 * Run a creating operation once per Idempotency-Key: the first answer is stored in the same transaction
 * as the change, and a replay returns it; the same key with another request is a 409. The stored answer
 * is sealed with the workspace's key (it may hold phone numbers, names, or a secret shown once), stored
 * as a JSON string; an answer stored before sealing (a JSON object) is replayed as it is.
 */
export async function runIdempotent(options: {
  db: TDb;
  workspaceId: string;
  /** The workspace's keys: the stored answer is sealed with them. */
  keys: TWorkspaceKeys;
  key: string | undefined;
  route: string;
  payload: unknown;
  run: (tx: TTx) => Promise<TIdempotentResult>;
}): Promise<TIdempotentResult & { replayed: boolean }> {
  const { db, workspaceId, key, route } = options;
  if (key === undefined) {
    return { ...(await withWorkspaceTx(db, workspaceId, options.run)), replayed: false };
  }
  if (key.length < 1 || key.length > 255) {
    throw new AppError("validation_failed", {
      message: "Idempotency-Key must be 1 to 255 characters",
      field: "Idempotency-Key",
    });
  }
  const hash = requestHash(route, options.payload);
  const replay = async (): Promise<(TIdempotentResult & { replayed: boolean }) | undefined> => {
    const found = await withWorkspaceTx(db, workspaceId, (tx) =>
      rows<{ request_hash: string; status_code: number; response: unknown }>(
        tx,
        sql`select request_hash, status_code, response from idempotency_keys where workspace_id = ${workspaceId} and key = ${key}`,
      ),
    );
    const row = found[0];
    if (!row) return undefined;
    if (row.request_hash !== hash) {
      throw new AppError("idempotency_conflict", {
        message: "this Idempotency-Key was used with a different request",
        field: "Idempotency-Key",
      });
    }
    const body =
      typeof row.response === "string"
        ? (JSON.parse(decryptField(options.keys, workspaceId, row.response)) as unknown)
        : row.response;
    return { statusCode: row.status_code, body, replayed: true };
  };
  const earlier = await replay();
  if (earlier) return earlier;
  try {
    const result = await withWorkspaceTx(db, workspaceId, async (tx) => {
      const r = await options.run(tx);
      await tx.execute(sql`insert into idempotency_keys (workspace_id, key, route, request_hash, status_code, response)
        values (${workspaceId}, ${key}, ${route}, ${hash}, ${r.statusCode},
          ${JSON.stringify(encryptField(options.keys, workspaceId, JSON.stringify(r.body)))}::jsonb)`);
      return r;
    });
    return { ...result, replayed: false };
  } catch (error) {
    if (sqlState(error) === "23505") {
      const raced = await replay();
      if (raced) return raced;
    }
    throw error;
  }
}
