import type { TNormalizedText } from "./normalize-text.js";
import { normalizeText } from "./normalize-text.js";
import { stripInstructions } from "./strip-instructions.js";
import { stripQuotedText } from "./strip-quoted-text.js";

/** What every stage after boilerplate removal sees: the normalised message minus quoted and sender text. */
export interface TPreparedText {
  norm: TNormalizedText;
  /** Normalised text with sender instructions removed. */
  text: string;
  tokens: string[];
}

/**
 * Shared pre-processing for training and inference: quoted/forwarded text removed, normalised,
 * sender opt-out instructions ("txt STOP to 80062") removed.
 */
export function prepareModelText(raw: string): TPreparedText {
  return prepareUnquotedText(stripQuotedText(raw));
}

/** {@link prepareModelText} for text that `stripQuotedText` has already been applied to. */
export function prepareUnquotedText(unquoted: string): TPreparedText {
  const norm = normalizeText(unquoted);
  const text = stripInstructions(norm.text);
  const tokens = text === norm.text ? norm.tokens : text.length === 0 ? [] : text.split(" ");
  return { norm, text, tokens };
}
