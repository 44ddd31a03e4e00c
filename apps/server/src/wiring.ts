import type { TAppContext } from "./core/context.js";
import { withWorkspaceTx } from "./core/db/tx.js";
import type { TSessionResolver } from "./http/auth.js";
import { resolveSession } from "./modules/auth/index.js";
import { consentCommand, initConsent, optOutEffects } from "./modules/consent/index.js";
import { announceOptOuts } from "./modules/inbound/index.js";
import { runClassifyCli } from "./modules/intent/index.js";
import { ensureSandboxSender } from "./modules/messaging/index.js";
import { initWebhooks } from "./modules/webhooks/index.js";
import type { TBootstrapResult } from "./modules/workspaces/index.js";

/** Per-process module setup, after the context exists and before anything runs (every role, tests too). */
export function initModules(ctx: Pick<TAppContext, "keys">): void {
  // Consent writers in every role (the dispatcher's provider opt-outs, the scheduler's clarification
  // timeouts) keep the cross-brand signal through the process's key ring.
  initConsent(ctx);
  initWebhooks(ctx);
  // Opt-outs recorded by consent itself (the API, an imported suppression list) suppress the queues they
  // forbid and tell the customer's webhooks, as inbound's do: consent reaches both only through this port.
  optOutEffects.use(announceOptOuts);
}

/** A CLI command contributed by a module. */
export interface TCommand {
  summary: string;
  needsDatabase: boolean;
  run(args: string[], ctx: TAppContext | undefined): Promise<void>;
}

/** Commands beyond the core ones (`intent classify`, `consent verify`, …). */
export const extraCommands: Record<string, TCommand> = {
  consent: consentCommand,
  intent: {
    summary:
      'intent classify: JSON lines {"text"} on stdin → one classification per line (no server, no database)',
    needsDatabase: false,
    async run(args) {
      if (args[0] !== "classify") throw new Error("usage: assent intent classify < lines.jsonl");
      await runClassifyCli(process.stdin, process.stdout);
    },
  },
};

/** Extra setup of a freshly bootstrapped workspace (e.g. the demo sandbox sender). */
export async function onFirstStart(ctx: TAppContext, result: TBootstrapResult): Promise<void> {
  const keys = await ctx.keys.forWorkspace(ctx.db, result.workspaceId);
  await withWorkspaceTx(ctx.db, result.workspaceId, (tx) =>
    ensureSandboxSender(tx, keys, { workspaceId: result.workspaceId, brandId: result.brandId }),
  );
}

/** How session cookies become principals (the auth module's session store). */
export function sessionResolver(ctx: TAppContext): TSessionResolver | undefined {
  return resolveSession(ctx);
}
