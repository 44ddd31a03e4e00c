import type { TTx } from "../../core/db/tx.js";
import type { TDecision, TDecisionInput } from "./consent.types.js";
import { decideMany } from "./decide-many.js";

/** Decide one send (see decideMany). Without `lock`, no head is locked: enqueue-time and preview decisions. */
export async function decide(
  tx: TTx,
  input: TDecisionInput,
  o: { lock: "share" | "none" } = { lock: "none" },
): Promise<TDecision> {
  const [decision] = await decideMany(tx, [input], o);
  if (!decision) throw new Error("decideMany returned no decision");
  return decision;
}
