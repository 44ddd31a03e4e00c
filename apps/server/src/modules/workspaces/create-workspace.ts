import { randomBytes } from "node:crypto";
import { recordAudit, type TActor } from "../../core/audit.js";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import type { KeyRing } from "../../core/keyring.js";
import { workspaces } from "./workspaces.tables.js";

/** Create a workspace and its first data key. Runs in a system transaction (no workspace exists yet). */
export async function createWorkspace(
  tx: TTx,
  options: { name: string; keys: KeyRing; actor: TActor; requestId?: string | undefined },
): Promise<{ id: string; name: string; accountSid: string }> {
  const id = newId("ws");
  // Twilio-compatible account SID: "AC" + 32 hex characters, as the twilio client requires.
  const accountSid = `AC${randomBytes(16).toString("hex")}`;
  await tx
    .insert(workspaces)
    .values({ id, name: options.name, accountSid, requireMfa: false, settings: {}, createdAt: new Date() });
  await options.keys.createWorkspaceKey(tx, id);
  await recordAudit(tx, {
    workspaceId: id,
    actor: options.actor,
    action: "workspace.created",
    targetType: "workspace",
    targetId: id,
    requestId: options.requestId,
  });
  return { id, name: options.name, accountSid };
}
