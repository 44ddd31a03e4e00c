import type { TAppContext } from "../../core/context.js";
import {
  credentialSchemas,
  type THeaders,
  type TNormalizedEvent,
  webhookRoutingKeys,
} from "../channels/index.js";
import { findChannelAccountsByAddress } from "../messaging/index.js";
import type { TInboundAccount } from "./inbound.types.js";
import { loadWebhookAccount } from "./load-webhook-account.js";

export interface TRoutedEvents {
  /** undefined: no account of ours owns these events (they are ignored). */
  target: { account: TInboundAccount; credentials: unknown } | undefined;
  events: TNormalizedEvent[];
}

function ownAddress(account: TInboundAccount, credentials: unknown): string | undefined {
  if (account.providerId === "whatsapp-cloud") {
    const parsed = credentialSchemas["whatsapp-cloud"].safeParse(credentials);
    return parsed.success ? parsed.data.phoneNumberId : undefined;
  }
  if (account.providerId === "instagram") {
    const parsed = credentialSchemas.instagram.safeParse(credentials);
    return parsed.success ? parsed.data.igId : undefined;
  }
  return undefined;
}

/**
 * Meta allows one callback URL per app, so the URL's account may receive the events of a sibling
 * number (WhatsApp phone_number_id) or IG account of the same app, of any workspace. Each event goes to
 * the account its own part of the body names (`accountAddress`, set by the adapter: its change's
 * phone_number_id, its entry's id), and only if that account's own credentials verify the same signed
 * bytes; never by what the rest of the body names. An event naming no account of ours, or naming none
 * at all in a body that names another account, is ignored. A body naming no account but the URL's
 * stays with it. Other providers: everything stays with the URL's account.
 */
export async function routeMetaEvents(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  o: {
    account: TInboundAccount;
    credentials: unknown;
    rawBody: Buffer;
    headers: THeaders;
    url: string;
    events: TNormalizedEvent[];
  },
): Promise<TRoutedEvents[]> {
  const self = { account: o.account, credentials: o.credentials };
  const own = ownAddress(o.account, o.credentials);
  if (own === undefined) return [{ target: self, events: o.events }];
  // Every account the body names, in its raw form or in an event's tag (the two agree; both are read).
  const keys = new Set(webhookRoutingKeys(o.account.providerId, o.rawBody));
  for (const event of o.events) if (event.accountAddress !== undefined) keys.add(event.accountAddress);
  if ([...keys].every((k) => k === own)) return [{ target: self, events: o.events }];
  const targets = new Map<string, TRoutedEvents["target"]>([[own, self]]);
  for (const key of keys) {
    if (targets.has(key)) continue;
    targets.set(key, undefined);
    for (const candidate of await findChannelAccountsByAddress(ctx.db, {
      providerId: o.account.providerId,
      address: key,
    })) {
      const loaded = await loadWebhookAccount(ctx, candidate.id);
      if (loaded?.adapter.verifyWebhook({ rawBody: o.rawBody, headers: o.headers, url: o.url })) {
        targets.set(key, { account: loaded.account, credentials: loaded.credentials });
        break;
      }
    }
  }
  // undefined: an event whose part of the body names no account cannot be placed in a mixed body.
  const groups = new Map<string | undefined, TNormalizedEvent[]>();
  for (const event of o.events) {
    const list = groups.get(event.accountAddress) ?? [];
    list.push(event);
    groups.set(event.accountAddress, list);
  }
  return [...groups].map(([key, events]) => ({
    target: key === undefined ? undefined : targets.get(key),
    events,
  }));
}
