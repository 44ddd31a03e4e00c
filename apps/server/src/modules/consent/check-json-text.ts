import type { TCheckJson } from "./presenters.js";

const quoted = (s: string): string => JSON.stringify(s);

/**
 * The check API's answer as JSON text, byte for byte what JSON.stringify gives for it, written directly:
 * it is the hottest answer of the API. `reason`, `basis` and `notBefore` are a closed list, a closed list
 * and an ISO timestamp, so they need no escaping; ids are escaped all the same.
 */
export function checkJsonText(d: TCheckJson): string {
  let ids = "";
  for (let i = 0; i < d.ledgerEntryIds.length; i++)
    ids += (i === 0 ? "" : ",") + quoted(d.ledgerEntryIds[i] ?? "");
  const basis = d.basis === null ? "null" : `"${d.basis}"`;
  const contact = d.contactId === null ? "null" : quoted(d.contactId);
  const notBefore = d.notBefore === null ? "null" : `"${d.notBefore}"`;
  return `{"allowed":${d.allowed},"reason":"${d.reason}","basis":${basis},"ledgerEntryIds":[${ids}],"notBefore":${notBefore},"contactId":${contact},"signals":{"optOutPropensity":${d.signals.optOutPropensity}}}`;
}
