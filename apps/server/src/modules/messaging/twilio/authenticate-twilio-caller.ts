import { sql } from "drizzle-orm";
import type { TAppContext } from "../../../core/context.js";
import { rows, withSystemTx } from "../../../core/db/tx.js";
import { authenticateApiKey, principalCan } from "../../auth/index.js";
import { twilioErrors } from "./twilio-errors.js";

export interface TTwilioCaller {
  workspaceId: string;
  accountSid: string;
  keyId: string;
}

/** Account SIDs never change: cached per process. */
const workspaceBySid = new Map<string, string>();

async function workspaceOf(ctx: TAppContext, accountSid: string): Promise<string | undefined> {
  const cached = workspaceBySid.get(accountSid);
  if (cached) return cached;
  const found = await withSystemTx(ctx.db, (tx) =>
    rows<{ id: string }>(tx, sql`select id from workspaces where account_sid = ${accountSid}`),
  );
  const id = found[0]?.id;
  if (id) workspaceBySid.set(accountSid, id);
  return id;
}

/**
 * Basic auth of the Twilio-compatible endpoint: user = the workspace's account SID (the one in the
 * path), password = an API key of that workspace with messages:send. Anything else is Twilio's 20003.
 */
export async function authenticateTwilioCaller(
  ctx: TAppContext,
  o: { accountSid: string; authorization: string | undefined; permission: "messages:send" | "messages:read" },
): Promise<TTwilioCaller & { secret: string }> {
  const header = o.authorization ?? "";
  if (!header.startsWith("Basic ") || !/^AC[0-9a-f]{32}$/.test(o.accountSid))
    throw twilioErrors.authenticate();
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? "" : decoded.slice(0, colon);
  const secret = colon < 0 ? "" : decoded.slice(colon + 1);
  if (user !== o.accountSid) throw twilioErrors.authenticate();
  const workspaceId = await workspaceOf(ctx, o.accountSid);
  if (!workspaceId) throw twilioErrors.authenticate();
  const principal = await authenticateApiKey(ctx.db, secret, ctx.clock());
  if (
    principal?.kind !== "api_key" ||
    principal.workspaceId !== workspaceId ||
    !principalCan(principal, o.permission)
  ) {
    throw twilioErrors.authenticate();
  }
  return { workspaceId, accountSid: o.accountSid, keyId: principal.keyId, secret };
}
