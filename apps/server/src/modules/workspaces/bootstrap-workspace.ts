import { randomBytes } from "node:crypto";
import type { TAppContext } from "../../core/context.js";
import { withSystemTx } from "../../core/db/tx.js";
import { addMembership, apiKeyScopes, createApiKey, createUser, userEmailKeys } from "../auth/index.js";
import { createBrand } from "./create-brand.js";
import { createWorkspace } from "./create-workspace.js";

export interface TBootstrapResult {
  workspaceId: string;
  brandId: string;
  accountSid: string;
  apiKey: string;
  user: { email: string; password: string };
}

/** A workspace with a brand, an owner user and an all-scopes API key, in one transaction. */
export async function bootstrapWorkspace(
  ctx: Pick<TAppContext, "db" | "keys">,
  options: { workspaceName: string; brandName?: string; email?: string },
): Promise<TBootstrapResult> {
  const emails = await userEmailKeys(ctx.db, ctx.keys);
  const suffix = randomBytes(4).toString("hex");
  const email = options.email ?? `owner+${suffix}@assent.local`;
  const password = randomBytes(18).toString("base64url");
  const system = { type: "system", id: null } as const;
  return withSystemTx(ctx.db, async (tx) => {
    const ws = await createWorkspace(tx, { name: options.workspaceName, keys: ctx.keys, actor: system });
    const brand = await createBrand(tx, {
      workspaceId: ws.id,
      name: options.brandName ?? `${options.workspaceName} brand`,
      actor: system,
    });
    const user = await createUser(tx, {
      emailIndex: emails.index(email),
      emailSealed: emails.seal(email),
      password,
    });
    await addMembership(tx, { workspaceId: ws.id, userId: user.id, role: "owner", actor: system });
    const key = await createApiKey(tx, {
      workspaceId: ws.id,
      name: "bootstrap",
      scopes: apiKeyScopes,
      actor: system,
    });
    return {
      workspaceId: ws.id,
      brandId: brand.id,
      accountSid: ws.accountSid,
      apiKey: key.key,
      user: { email, password },
    };
  });
}
