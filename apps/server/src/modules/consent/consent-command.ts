import type { TAppContext } from "../../core/context.js";
import { verifyConsent } from "./verify-consent.js";

/**
 * `assent consent verify [--workspace ws_…]`: check every contact's ledger hash chain and that the
 * projection equals the fold of the ledger. Prints JSON; exits 1 when anything is off.
 */
export const consentCommand = {
  summary: "consent verify [--workspace ID]: verify ledger hash chains and the consent projection",
  needsDatabase: true,
  async run(args: string[], ctx: TAppContext | undefined): Promise<void> {
    const [sub, flag, value] = args;
    if (sub !== "verify" || !ctx || (flag !== undefined && (flag !== "--workspace" || !value))) {
      process.stderr.write("usage: assent consent verify [--workspace ID]\n");
      process.exitCode = 2;
      return;
    }
    const result = await verifyConsent(ctx.db, value ? { workspaceId: value } : {});
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!result.ok) process.exitCode = 1;
  },
};
