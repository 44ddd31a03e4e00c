import { eq } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { AppError, notFound } from "../../core/errors.js";
import { users } from "../auth/index.js";
import { workspaces } from "./workspaces.tables.js";

export type TWorkspaceRow = typeof workspaces.$inferSelect;

export interface TWorkspaceSettingsPatch {
  name?: string | undefined;
  /** Members without TOTP must enrol before they can do anything else in this workspace. */
  requireMfa?: boolean | undefined;
}

/**
 * Change workspace settings. Turning `requireMfa` on is refused (422) to a person who has no MFA
 * themselves, so nobody locks a workspace into a state they cannot work in.
 */
export async function updateWorkspaceSettings(
  tx: TTx,
  options: {
    workspaceId: string;
    patch: TWorkspaceSettingsPatch;
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<TWorkspaceRow> {
  const { patch } = options;
  if (patch.requireMfa === true && options.actor.type === "user" && options.actor.id) {
    const me = await tx
      .select({ totpEnabled: users.totpEnabled })
      .from(users)
      .where(eq(users.id, options.actor.id));
    if (!me[0]?.totpEnabled) {
      throw new AppError("unprocessable", {
        message: "turn on MFA for your own account first",
        field: "requireMfa",
      });
    }
  }
  const set: Partial<Pick<TWorkspaceRow, "name" | "requireMfa">> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.requireMfa !== undefined) set.requireMfa = patch.requireMfa;
  const current = (
    await tx.select().from(workspaces).where(eq(workspaces.id, options.workspaceId)).for("update")
  )[0];
  if (!current) throw notFound("workspace");
  if (Object.keys(set).length === 0) return current;
  const updated =
    (await tx.update(workspaces).set(set).where(eq(workspaces.id, options.workspaceId)).returning())[0] ??
    current;
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "workspace.settings_updated",
    targetType: "workspace",
    targetId: options.workspaceId,
    requestId: options.requestId,
    details: {
      ...(patch.requireMfa !== undefined ? { requireMfa: patch.requireMfa } : {}),
      ...(patch.name !== undefined ? { nameChanged: patch.name !== current.name } : {}),
    },
  });
  return updated;
}
