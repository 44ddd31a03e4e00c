const QUOTE_LINE = /^\s*(?:>|\|)/;
const QUOTE_HEADER =
  /^\s*(?:-{2,}\s*(?:original message|forwarded message|mensaje original|message d'origine|ursprüngliche nachricht)|(?:on|el|le|am|em|il|op) .{3,80}(?:wrote|escribió|a écrit|schrieb|escreveu|ha scritto|schreef)\s*:|(?:from|de|von|da|van|sent|enviado|envoyé|gesendet)\s*:|begin forwarded message|fwd?\s*:)/i;

/**
 * Removes quoted and forwarded text ("> Reply STOP to opt out", "On Mon, Brand wrote:", "Fwd:") so that
 * only what the contact typed is classified. When everything is quoted, the original text is kept.
 */
export function stripQuotedText(raw: string): string {
  if (!raw.includes("\n") && !QUOTE_LINE.test(raw) && !/fwd?\s*:/i.test(raw)) return raw;
  const kept: string[] = [];
  for (const line of raw.split(/\r?\n/)) {
    if (QUOTE_HEADER.test(line)) break;
    if (QUOTE_LINE.test(line)) continue;
    kept.push(line);
  }
  const out = kept.join("\n").trim();
  return out.length > 0 ? out : raw;
}
