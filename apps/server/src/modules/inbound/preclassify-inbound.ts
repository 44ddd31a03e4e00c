import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import type { TNormalizedEvent } from "../channels/index.js";
import { normalizeAddress } from "../contacts/index.js";
import { classifyWithExternal, type TIntentResult } from "../intent/index.js";
import { externalIntentModel } from "./external-intent-model.js";
import type { TInboundContext } from "./inbound.types.js";
import { senderAddress } from "./sender-address.js";

type TInboundMessageEvent = Extract<TNormalizedEvent, { kind: "inbound_message" }>;

/**
 * The external intent model's opinion of one inbound message, asked BEFORE the event's transaction opens
 * (a network call never runs inside a transaction). Only when ASSENT_INTENT_MODEL_URL is set and the local
 * result is `none` or uncertain; the answer only counts when it upgrades that result (never over a
 * keyword, never weakening an opt-out). Returns the upgraded result, or undefined: the transaction then
 * classifies locally as always. Timeouts and errors give undefined.
 */
export async function preclassifyInbound(
  ctx: Pick<TAppContext, "db" | "logger"> & { config?: TAppContext["config"] },
  c: TInboundContext,
  event: TInboundMessageEvent,
): Promise<TIntentResult | undefined> {
  const external = externalIntentModel(ctx.config, ctx.logger);
  if (!external || event.body.trim() === "") return undefined;
  let countryHint: string | undefined;
  try {
    countryHint = normalizeAddress(c.account.channel, senderAddress(event.from), "from").country ?? undefined;
  } catch {
    return undefined; // the transaction rejects the address
  }
  // The brand's keywords (memoised in the context and cached per process): a short read of its own.
  let brand: Awaited<ReturnType<TInboundContext["brand"]>>;
  try {
    brand = await withWorkspaceTx(ctx.db, c.account.workspaceId, (tx) => c.brand(tx));
  } catch {
    return undefined; // the event's own transaction meets the same problem and reports it
  }
  const result = await classifyWithExternal(event.body, {
    channel: c.account.channel,
    ...(countryHint ? { countryHint } : {}),
    ...(brand.settings.customKeywords.length > 0
      ? { customKeywords: [...brand.settings.customKeywords] }
      : {}),
    external: external.model,
    externalTimeoutMs: external.timeoutMs,
  });
  return result.evidence.source === "external" ? result : undefined;
}
