import { and, eq, isNull } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { apiKeys } from "./auth.tables.js";
import { forgetApiKey } from "./authenticate-api-key.js";

export async function revokeApiKey(
  tx: TTx,
  options: { workspaceId: string; keyId: string; actor: TActor; requestId?: string | undefined },
): Promise<void> {
  const done = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiKeys.id, options.keyId),
        eq(apiKeys.workspaceId, options.workspaceId),
        isNull(apiKeys.revokedAt),
      ),
    )
    .returning({ id: apiKeys.id });
  if (done.length === 0) throw notFound("api key");
  forgetApiKey(options.keyId);
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "api_key.revoked",
    targetType: "api_key",
    targetId: options.keyId,
    requestId: options.requestId,
  });
}
