import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import type { TProviderId } from "../channels/index.js";

/** A sender's provider never changes: kept per process once read. */
const MAX_CACHED = 10_000;
const cache = new Map<string, TProviderId>();

/** The provider of a channel account (in the caller's transaction, so within its workspace), or undefined. */
export async function accountProvider(tx: TTx, channelAccountId: string): Promise<TProviderId | undefined> {
  const hit = cache.get(channelAccountId);
  if (hit !== undefined) return hit;
  const found = await rows<{ provider_id: TProviderId }>(
    tx,
    sql`select provider_id from channel_accounts where id = ${channelAccountId}`,
  );
  const provider = found[0]?.provider_id;
  if (provider === undefined) return undefined;
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(channelAccountId, provider);
  return provider;
}
