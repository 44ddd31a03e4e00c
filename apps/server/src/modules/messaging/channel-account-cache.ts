import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { channelAccountColumns, type TChannelAccountDbRow, toChannelAccount } from "./channel-account-row.js";
import type { TChannelAccountRow } from "./messaging.types.js";

/**
 * Active senders per workspace, cached for a moment per process: the send path looks them up for every
 * request. A sender disabled in another process is still refused at dispatch, which reads the table.
 */
const TTL_MS = 2_000;
const cache = new Map<string, { at: number; accounts: TChannelAccountRow[] }>();

export function forgetChannelAccounts(workspaceId: string): void {
  cache.delete(workspaceId);
}

/** The cached active senders of a workspace, when fresh (no transaction needed). */
export function cachedChannelAccounts(workspaceId: string): TChannelAccountRow[] | undefined {
  const hit = cache.get(workspaceId);
  return hit && Date.now() - hit.at < TTL_MS ? hit.accounts : undefined;
}

/** The active senders of each workspace, oldest first (the default sender of a brand is its first). */
export async function activeChannelAccounts(
  tx: TTx,
  workspaceIds: string[],
): Promise<Map<string, TChannelAccountRow[]>> {
  const now = Date.now();
  const result = new Map<string, TChannelAccountRow[]>();
  const missing: string[] = [];
  for (const ws of workspaceIds) {
    const hit = cache.get(ws);
    if (hit && now - hit.at < TTL_MS) result.set(ws, hit.accounts);
    else missing.push(ws);
  }
  if (missing.length === 0) return result;
  const found = await rows<TChannelAccountDbRow>(
    tx,
    sql`select ${channelAccountColumns} from channel_accounts
      where workspace_id = any(${sql.param(missing)}::text[]) and status = 'active' order by created_at, id`,
  );
  for (const ws of missing) result.set(ws, []);
  for (const r of found) result.get(r.workspace_id)?.push(toChannelAccount(r));
  for (const ws of missing) cache.set(ws, { at: now, accounts: result.get(ws) ?? [] });
  return result;
}
