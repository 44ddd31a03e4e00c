/**
 * Opt-out keywords that revoke consent per se (FCC 24-24, 47 CFR 64.1200(a)(10); CTIA). A brand can add
 * keywords but can never remove these or map them to anything but a full opt-out.
 */
export const LEGAL_DEFAULT_KEYWORDS: readonly string[] = Object.freeze([
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "REVOKE",
  "OPTOUT",
  "OPT OUT",
]);
