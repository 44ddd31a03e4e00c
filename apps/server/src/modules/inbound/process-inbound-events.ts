import type { TActor } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { sqlState, withWorkspaceTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { credentialSchemas, type TNormalizedEvent } from "../channels/index.js";
import type { TIntentResult } from "../intent/index.js";
import { createInboundContext } from "./create-inbound-context.js";
import { handleInboundEvent } from "./handle-inbound-event.js";
import type { TInboundAccount, TInboundContext, TInboundOutcome } from "./inbound.types.js";
import { preclassifyInbound } from "./preclassify-inbound.js";

/** Serialisation failures, deadlocks and a concurrent duplicate (23505) are retried; the retry sees the winner. */
const RETRYABLE = new Set(["40001", "40P01", "23505"]);
const ATTEMPTS = 3;

/**
 * Meta sends every number's (every IG account's) events to the app's one callback URL, so a verified
 * body can carry events for a sibling account (its tag, or a message's `to`, names another account);
 * those are not this account's to act on.
 */
function addressedElsewhere(
  account: TInboundAccount,
  credentials: unknown,
  event: TNormalizedEvent,
): boolean {
  const named = [event.accountAddress, event.kind === "inbound_message" ? event.to : undefined];
  let own: string | undefined;
  if (account.providerId === "whatsapp-cloud") {
    const parsed = credentialSchemas["whatsapp-cloud"].safeParse(credentials);
    own = parsed.success ? parsed.data.phoneNumberId : undefined;
  } else if (account.providerId === "instagram") {
    const parsed = credentialSchemas.instagram.safeParse(credentials);
    own = parsed.success ? parsed.data.igId : undefined;
  }
  return own !== undefined && named.some((address) => address !== undefined && address !== own);
}

/** What made one event a client error (it is rejected alone), or undefined for any other failure. */
function clientError(error: unknown): { code: string; field?: string | undefined } | undefined {
  if (error instanceof AppError && error.status < 500) return { code: error.code, field: error.field };
  // A Postgres data exception (class 22: out-of-range value, bad encoding, …) comes from the event's
  // content: retrying cannot help, and it must not cost the other events of the delivery.
  if (sqlState(error)?.startsWith("22")) return { code: "validation_failed", field: undefined };
  return undefined;
}

/**
 * Verified, normalised events of one channel account, in order, one workspace transaction each. A
 * client error in one event (an address the contacts module refuses, a value the database refuses with
 * a data exception) rejects that event only: its transaction rolls back whole, so nothing of it is
 * written. Any other failure throws, the provider retries, and the events already committed are
 * de-duplicated.
 * When an external intent model is configured, it is asked before the message's transaction opens.
 */
export async function processInboundEvents(
  ctx: Pick<TAppContext, "db" | "keys" | "clock" | "logger"> & { config?: TAppContext["config"] },
  o: {
    account: TInboundAccount;
    credentials?: unknown;
    events: TNormalizedEvent[];
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<TInboundOutcome[]> {
  const c = await createInboundContext(ctx, { account: o.account, actor: o.actor, requestId: o.requestId });
  const outcomes: TInboundOutcome[] = [];
  for (const event of o.events) {
    if (addressedElsewhere(o.account, o.credentials, event)) {
      ctx.logger.warn(
        { channelAccountId: o.account.id, requestId: o.requestId },
        "inbound event for another sender ignored",
      );
      outcomes.push({ kind: "ignored", reason: "other_sender" });
      continue;
    }
    const preclassified =
      event.kind === "inbound_message" ? await preclassifyInbound(ctx, c, event) : undefined;
    outcomes.push(await processOne(ctx, c, event, preclassified));
  }
  return outcomes;
}

async function processOne(
  ctx: Pick<TAppContext, "db" | "logger">,
  c: TInboundContext,
  event: TNormalizedEvent,
  preclassified: TIntentResult | undefined,
): Promise<TInboundOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withWorkspaceTx(ctx.db, c.account.workspaceId, (tx) =>
        handleInboundEvent(tx, c, event, preclassified),
      );
    } catch (error) {
      const rejected = clientError(error);
      if (rejected !== undefined) {
        // Codes and field names only: the error's message may quote the refused (personal) value.
        ctx.logger.warn(
          {
            channelAccountId: c.account.id,
            eventKind: event.kind,
            code: rejected.code,
            field: rejected.field,
            sqlState: sqlState(error),
            requestId: c.requestId,
          },
          "inbound event rejected",
        );
        return { kind: "rejected", code: rejected.code, field: rejected.field };
      }
      const state = sqlState(error);
      if (attempt >= ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
    }
  }
}
