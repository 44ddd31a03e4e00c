import pg from "pg";

/** What a channel subscriber is told: each payload, and whether notifications are flowing. */
export interface TChannelHandlers {
  onPayload: (payload: string) => void;
  /**
   * `true` once LISTEN is in place (again), `false` when the connection is lost: notifications sent
   * meanwhile are lost, so a subscriber that caches must forget everything on either transition.
   */
  onState?: (listening: boolean) => void;
}

/** A subscription; `close` stops it for good. */
export interface TChannelSubscription {
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const RETRY_MS = 1_000;

/** Refuse anything but a plain identifier: LISTEN takes no parameters. */
export function checkChannelName(channel: string): string {
  if (!CHANNEL.test(channel)) throw new Error(`invalid notification channel name: ${channel}`);
  return channel;
}

/**
 * LISTEN on Postgres through a dedicated connection (a pooled one would be handed to other work),
 * reconnecting every second after a loss until closed. Notifications are delivered after the sending
 * transaction commits, never for a rolled-back one.
 */
export async function listenOnPostgres(
  connectionString: string,
  channel: string,
  handlers: TChannelHandlers,
): Promise<TChannelSubscription> {
  const name = checkChannelName(channel);
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    client = null;
    handlers.onState?.(false);
    void c.end().catch(() => undefined);
    if (!closed) retry = setTimeout(() => void connect(), RETRY_MS).unref();
  };
  const connect = async (): Promise<void> => {
    retry = null;
    const c = new pg.Client({ connectionString });
    client = c;
    c.on("error", () => lost(c));
    c.on("end", () => lost(c));
    c.on("notification", (m) => {
      if (m.channel === name) handlers.onPayload(m.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`listen ${name}`);
      if (closed) {
        await c.end();
        return;
      }
      handlers.onState?.(true);
    } catch {
      lost(c);
    }
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
