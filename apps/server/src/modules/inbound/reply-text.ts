import { confirmationText } from "../intent/index.js";
import type { TIntentSettings, TReplyKind } from "./intent-settings.schema.js";

/**
 * The text of an automatic reply: the brand's own wording for the customer's language, else its "*"
 * wording, else Assent's default in that language. `{brand}` is replaced by the brand's name.
 */
export function replyText(o: {
  settings: TIntentSettings;
  kind: TReplyKind;
  language: string;
  brandName: string;
}): string {
  const texts = o.kind === "help" ? o.settings.helpText : o.settings.confirmationTexts[o.kind];
  const language = o.language.toLowerCase().split(/[-_]/)[0] ?? "und";
  const custom = texts?.[language] ?? texts?.["*"];
  if (custom !== undefined) return custom.replaceAll("{brand}", o.brandName);
  return confirmationText(o.kind, language, o.brandName);
}
