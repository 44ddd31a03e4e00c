import { recordAudit } from "../../core/audit.js";
import type { TAppContext } from "../../core/context.js";
import { sqlState, withSystemTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { createWorkspace } from "../workspaces/index.js";
import { addMembership } from "./add-membership.js";
import { createSession, type TNewSession } from "./create-session.js";
import { createUser } from "./create-user.js";
import { assertPasswordPolicy } from "./password-policy.js";
import { userEmailKeys } from "./user-email.js";

/**
 * Self-service sign-up: a new user, a new workspace they own, and a signed-in session, in one
 * transaction. 409 `email` when the address already has an account; 400 `password` for a weak one.
 */
export async function signUp(
  ctx: Pick<TAppContext, "db" | "keys" | "clock">,
  options: { email: string; password: string; workspaceName: string; requestId?: string | undefined },
): Promise<{ userId: string; workspaceId: string; session: TNewSession }> {
  assertPasswordPolicy(options.password);
  const emails = await userEmailKeys(ctx.db, ctx.keys);
  const now = ctx.clock();
  try {
    return await withSystemTx(ctx.db, async (tx) => {
      const user = await createUser(tx, {
        emailIndex: emails.index(options.email),
        emailSealed: emails.seal(options.email),
        password: options.password,
      });
      const actor = { type: "user", id: user.id } as const;
      const ws = await createWorkspace(tx, {
        name: options.workspaceName,
        keys: ctx.keys,
        actor,
        requestId: options.requestId,
      });
      await addMembership(tx, {
        workspaceId: ws.id,
        userId: user.id,
        role: "owner",
        actor,
        requestId: options.requestId,
      });
      await recordAudit(tx, {
        workspaceId: ws.id,
        actor,
        action: "auth.signed_up",
        targetType: "user",
        targetId: user.id,
        requestId: options.requestId,
      });
      const session = await createSession(tx, { userId: user.id, workspaceId: ws.id, mfaPassed: false, now });
      return { userId: user.id, workspaceId: ws.id, session };
    });
  } catch (error) {
    // Two sign-ups with one address at once: the unique email index decides.
    if (sqlState(error) === "23505")
      throw new AppError("conflict", { message: "a user with this email exists", field: "email" });
    throw error;
  }
}
