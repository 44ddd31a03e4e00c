import { CONFIRMATION_TEMPLATES } from "./confirmation-templates.js";
import type { TConfirmationKind } from "./intent.types.js";

function cleanBrand(brandName: string): string {
  const b = brandName
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 40);
  return b.length > 0 ? b : "We";
}

/**
 * The reply to send after a classification: a CTIA-compliant opt-out confirmation (brand, no further
 * messages, how to resubscribe), a marketing-only confirmation, an opt-in confirmation, the HELP reply,
 * or the single clarification question FCC 24-24 allows. `language` is a BCP-47 tag ("pt-BR" works);
 * unknown languages fall back to English.
 */
export function confirmationText(kind: TConfirmationKind, language: string, brandName: string): string {
  const primary = language.trim().toLowerCase().split(/[-_]/)[0] ?? "en";
  const tag = primary === "nb" || primary === "nn" ? "no" : primary;
  const templates = CONFIRMATION_TEMPLATES[tag] ?? CONFIRMATION_TEMPLATES.en;
  const template = templates?.[kind] ?? "";
  return template.replace("{b}", cleanBrand(brandName));
}
