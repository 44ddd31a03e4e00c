/** GSM 03.38 default alphabet (ESC excluded): one septet each. */
const gsmBasic = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
/** GSM 03.38 extension table: ESC + char, two septets each. */
const gsmExtension = new Set("\f^{}\\[~]|€");

export interface TSmsSegmentCount {
  encoding: "GSM-7" | "UCS-2";
  /** Parts the message is sent (and billed) as; at least 1. */
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole body. */
  units: number;
}

/**
 * Splits unit costs into parts of `perPart` units without cutting an escape sequence or a
 * surrogate pair in two (a 2-unit character that does not fit starts the next part).
 */
function countParts(costs: number[], single: number, perPart: number): number {
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > perPart) {
      parts += 1;
      used = 0;
    }
    used += cost;
  }
  return parts;
}

/**
 * SMS segments of a body. GSM-7: 160 septets in one part, 153 per part when concatenated, extension
 * characters (`€ [ ] { } \ ^ ~ |` and form feed) cost 2. One character outside GSM-7 switches the whole
 * message to UCS-2: 70 code units in one part, 67 per part, emoji and other astral characters cost 2.
 * An empty body counts as one segment of zero units.
 */
export function countSmsSegments(body: string): TSmsSegmentCount {
  const gsmCosts: number[] = [];
  let isGsm = true;
  for (const char of body) {
    if (gsmBasic.has(char)) gsmCosts.push(1);
    else if (gsmExtension.has(char)) gsmCosts.push(2);
    else {
      isGsm = false;
      break;
    }
  }
  if (isGsm) {
    const units = gsmCosts.reduce((sum, cost) => sum + cost, 0);
    return { encoding: "GSM-7", segments: countParts(gsmCosts, 160, 153), units };
  }
  const ucsCosts: number[] = [];
  for (const char of body) ucsCosts.push(char.length);
  return { encoding: "UCS-2", segments: countParts(ucsCosts, 70, 67), units: body.length };
}
