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
 * number (WhatsApp phone_number_id) or IG account of the same app. Events go to the account whose
 * address they name, and only if that account's own credentials verify the same signed bytes; events
 * without an address (statuses, preferences) go where the body's only address points, else stay here.
 * Other providers: everything stays with the URL's account.
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
  const keys = webhookRoutingKeys(o.account.providerId, o.rawBody);
  if (keys.every((k) => k === own)) return [{ target: self, events: o.events }];
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
  const fallback = keys.length === 1 && keys[0] !== undefined ? keys[0] : own;
  const groups = new Map<string, TNormalizedEvent[]>();
  for (const event of o.events) {
    const key = event.kind === "inbound_message" && event.to !== undefined ? event.to : fallback;
    const list = groups.get(key) ?? [];
    list.push(event);
    groups.set(key, list);
  }
  return [...groups].map(([key, events]) => ({ target: targets.get(key), events }));
}
