/**
 * Address → contact id, per process, for the send path (most sends go to known contacts; the lookup
 * otherwise costs a query per message). Filled only after the transaction that found or created the
 * contact committed; entries live a minute, so a merge elsewhere is seen within that time.
 */
const TTL_MS = 60_000;
const MAX_ENTRIES = 200_000;
const cache = new Map<string, { contactId: string; at: number }>();

function keyOf(workspaceId: string, channel: string, address: string): string {
  return `${workspaceId}\u0001${channel}\u0001${address}`;
}

export function cachedContact(
  workspaceId: string,
  channel: string,
  address: string,
  now: number,
): string | undefined {
  const hit = cache.get(keyOf(workspaceId, channel, address));
  if (hit === undefined) return undefined;
  if (now - hit.at > TTL_MS) {
    cache.delete(keyOf(workspaceId, channel, address));
    return undefined;
  }
  return hit.contactId;
}

export function rememberContact(
  workspaceId: string,
  channel: string,
  address: string,
  contactId: string,
  now: number,
): void {
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(keyOf(workspaceId, channel, address), { contactId, at: now });
}

/** Tests and erasure: forget everything this process knows. */
export function forgetContacts(): void {
  cache.clear();
}
