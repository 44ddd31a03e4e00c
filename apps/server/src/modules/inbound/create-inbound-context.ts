import type { TActor } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { cachedBrandIntent } from "./brand-intent-cache.js";
import type { TBrandIntent } from "./get-intent-settings.js";
import type { TInboundAccount, TInboundContext } from "./inbound.types.js";

/** The context the inbound handlers run with: workspace keys, and the brand's settings read once. */
export async function createInboundContext(
  ctx: Pick<TAppContext, "db" | "keys" | "clock" | "logger">,
  o: { account: TInboundAccount; actor: TActor; requestId?: string | undefined },
): Promise<TInboundContext> {
  const keys = await ctx.keys.forWorkspace(ctx.db, o.account.workspaceId);
  let brand: TBrandIntent | undefined;
  return {
    account: o.account,
    keys,
    clock: ctx.clock,
    logger: ctx.logger,
    actor: o.actor,
    requestId: o.requestId,
    async brand(tx) {
      if (brand) return brand;
      const found = await cachedBrandIntent(tx, {
        workspaceId: o.account.workspaceId,
        brandId: o.account.brandId,
      });
      if (!found) throw new Error(`brand ${o.account.brandId} of channel account ${o.account.id} not found`);
      brand = found;
      return found;
    },
  };
}
