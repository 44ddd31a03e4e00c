import type { TAppContext } from "../../core/context.js";
import { backfillProviderIds } from "./backfill-provider-ids.js";

/**
 * Background task (scheduler role): converts, once per start, the inbound rows stored before migration
 * 0353 with provider ids in the clear (backfillProviderIds). Nothing to do costs one index probe. A
 * failure is logged and retried at the next start; lookups keep finding unconverted rows meanwhile.
 */
export async function startProviderIdBackfill(ctx: TAppContext): Promise<() => Promise<void>> {
  const running = backfillProviderIds(ctx)
    .then((counts) => {
      if (counts.inboundMessages > 0 || counts.receipts > 0)
        ctx.logger.info(counts, "provider ids stored before migration 0353 hashed and sealed");
    })
    .catch((error: unknown) => ctx.logger.error({ err: error }, "provider id backfill failed"));
  return async () => {
    await running;
  };
}
