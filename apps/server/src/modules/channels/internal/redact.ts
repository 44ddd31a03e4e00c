/** Phone-number-like digit runs (6+ digits, optional +, spaces or dashes). */
const digitRun = /\+?\d[\d\s-]{4,}\d/g;

/**
 * Provider error texts sometimes quote the recipient ("The 'To' number +1555… is not valid").
 * Error messages must be safe to log, so digit runs are masked and the text is cut short.
 */
export function redactProviderText(text: string | undefined, maxLength = 200): string {
  if (text === undefined || text === "") return "";
  const masked = text.replace(digitRun, "[redacted]");
  return masked.length > maxLength ? `${masked.slice(0, maxLength)}…` : masked;
}
