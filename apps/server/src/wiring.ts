import type { TAppContext } from "./core/context.js";
import type { TSessionResolver } from "./http/auth.js";
import type { TBootstrapResult } from "./modules/workspaces/index.js";

/** A CLI command contributed by a module. */
export interface TCommand {
  summary: string;
  needsDatabase: boolean;
  run(args: string[], ctx: TAppContext | undefined): Promise<void>;
}

/** Commands beyond the core ones (`intent classify`, `consent verify`, …). */
export const extraCommands: Record<string, TCommand> = {};

/** Extra setup of a freshly bootstrapped workspace (e.g. the demo sandbox sender). */
export async function onFirstStart(_ctx: TAppContext, _result: TBootstrapResult): Promise<void> {}

/** How session cookies become principals (the auth module's session store). */
export function sessionResolver(_ctx: TAppContext): TSessionResolver | undefined {
  return undefined;
}
