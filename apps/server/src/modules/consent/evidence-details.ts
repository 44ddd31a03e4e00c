import type { TEvidenceDetails } from "./consent.types.js";

/** The non-personal facts of an opt-out or opt-in kept in the ledger (never the message text). */
export function evidenceDetails(e: {
  messageId?: string | undefined;
  confidence?: number | undefined;
  matched?: string | undefined;
  language?: string | undefined;
}): TEvidenceDetails {
  const out: TEvidenceDetails = {};
  if (e.messageId !== undefined) out.messageId = e.messageId;
  if (e.confidence !== undefined && Number.isFinite(e.confidence)) out.confidence = e.confidence;
  if (e.matched !== undefined) out.matched = e.matched.slice(0, 100);
  if (e.language !== undefined) out.language = e.language.slice(0, 35);
  return out;
}
