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
 * body can carry messages for a sibling account; those are not this account's to act on.
 */
function addressedElsewhere(
  account: TInboundAccount,
  credentials: unknown,
  event: TNormalizedEvent,
): boolean {
  if (event.kind !== "inbound_message" || event.to === undefined) return false;
  if (account.providerId === "whatsapp-cloud") {
    const parsed = credentialSchemas["whatsapp-cloud"].safeParse(credentials);
    return parsed.success && parsed.data.phoneNumberId !== event.to;
  }
  if (account.providerId === "instagram") {
    const parsed = credentialSchemas.instagram.safeParse(credentials);
    return parsed.success && parsed.data.igId !== event.to;
  }
  return false;
}

/**
 * Verified, normalised events of one channel account, in order, one workspace transaction each. A
 * client error in one event (an address the contacts module refuses) rejects that event only; any
 * other failure throws, the provider retries, and the events already committed are de-duplicated.
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
      if (error instanceof AppError && error.status < 500) {
        ctx.logger.warn(
          {
            channelAccountId: c.account.id,
            eventKind: event.kind,
            code: error.code,
            field: error.field,
            requestId: c.requestId,
          },
          "inbound event rejected",
        );
        return { kind: "rejected", code: error.code, field: error.field };
      }
      const state = sqlState(error);
      if (attempt >= ATTEMPTS || state === undefined || !RETRYABLE.has(state)) throw error;
    }
  }
}
