import type { TActor } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { createInboundContext, handleInboundEvent, type TInboundOutcome } from "../inbound/index.js";
import { getBrand } from "../workspaces/index.js";
import { findSandboxAccount } from "./find-sandbox-account.js";

export type TSimulatedInbound = Extract<TInboundOutcome, { kind: "message" }> & { channelAccountId: string };

/**
 * A customer's message on the sandbox channel, without a provider: the same inbound path a verified
 * webhook takes (contact, classification, opt-out and its suppression, reply), in the caller's
 * transaction, through the brand's sandbox channel account.
 */
export async function simulateInbound(
  tx: TTx,
  ctx: Pick<TAppContext, "db" | "keys" | "clock" | "logger">,
  o: {
    workspaceId: string;
    brandId: string;
    from: string;
    body: string;
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<TSimulatedInbound> {
  const brand = await getBrand(tx, { workspaceId: o.workspaceId, brandId: o.brandId });
  if (!brand) throw new AppError("not_found", { message: "brand not found", field: "brandId" });
  const account = await findSandboxAccount(tx, { workspaceId: o.workspaceId, brandId: o.brandId });
  if (!account) {
    throw new AppError("unprocessable", {
      message: "this brand has no active sandbox channel account",
      field: "brandId",
    });
  }
  const c = await createInboundContext(ctx, { account, actor: o.actor, requestId: o.requestId });
  const id = newId("sbx");
  const outcome = await handleInboundEvent(tx, c, {
    kind: "inbound_message",
    dedupeKey: id,
    providerMessageId: id,
    from: o.from,
    body: o.body,
    receivedAt: ctx.clock(),
  });
  if (outcome.kind !== "message") throw notFound("inbound message");
  return { ...outcome, channelAccountId: account.id };
}
