import type { TConceptMatch } from "./detect-concepts.js";

/** What an opt-out in this text is about: marketing only, or everything (the default). */
export type TOptOutScope = "marketing" | "all";

/** Scopes an opt-out: marketing words without an "all/everything" word mean marketing only. */
export function detectScope(concepts: TConceptMatch): TOptOutScope {
  return concepts.present.has("P") && !concepts.present.has("L") ? "marketing" : "all";
}
