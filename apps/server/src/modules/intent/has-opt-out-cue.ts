import type { TConcept } from "./concept-lexicon.js";
import type { TConceptMatch } from "./detect-concepts.js";

function near(m: TConceptMatch, a: readonly TConcept[], b: readonly TConcept[], window: number): boolean {
  for (const ca of a) {
    for (const pa of m.positions.get(ca) ?? []) {
      for (const cb of b) {
        for (const pb of m.positions.get(cb) ?? []) if (Math.abs(pa - pb) <= window) return true;
      }
    }
  }
  return false;
}

/** "I don't want (you to) write", "I don't want any more": a negated want-verb before contact or "more". */
function negatedWant(m: TConceptMatch): boolean {
  for (const n of m.positions.get("N") ?? []) {
    for (const v of m.positions.get("V") ?? []) {
      if (Math.abs(n - v) > 1) continue;
      for (const c of m.positions.get("C") ?? []) if (c > v && c - v <= 7) return true;
      for (const c of m.positions.get("M") ?? []) if (c > v && c - v <= 3) return true;
    }
  }
  return false;
}

/**
 * Whether a message carries any opt-out cue at all: a stop/remove/revoke/leave-alone word, or a
 * contact, marketing or consent word within four tokens of a negation, "more" or "not interested", or a
 * negated "want" ahead of a contact word. Messages without one are ordinary conversation,
 * whatever the model thinks.
 */
export function hasOptOutCue(m: TConceptMatch): boolean {
  const p = m.present;
  if (p.has("S") || p.has("R") || p.has("A")) return true;
  // A short reply that is mostly "not interested" answers the sender's message.
  if (m.tokenCount <= 5 && (m.positions.get("I") ?? []).some((i) => i <= 1)) return true;
  return near(m, ["C", "P", "K"], ["N", "M", "I"], 4) || negatedWant(m);
}
