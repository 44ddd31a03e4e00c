import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isPrivateAddress } from "./is-private-address.js";

/** Resolves a host name to its addresses (injectable for tests). */
export type TResolveHost = (hostname: string) => Promise<string[]>;

export const resolveHost: TResolveHost = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface TUrlPolicy {
  /** Allow loopback and private targets (ASSENT_WEBHOOKS_ALLOW_PRIVATE; development and tests). */
  allowPrivate: boolean;
  resolve?: TResolveHost;
}

const MAX_URL_LENGTH = 2048;
const RESOLVE_TIMEOUT_MS = 2000;

async function resolvedAddresses(hostname: string, resolve: TResolveHost): Promise<string[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      resolve(hostname),
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), RESOLVE_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Check a subscription URL: absolute http(s), no credentials, and — unless private targets are allowed — a
 * host that is not a private, loopback or link-local address, by literal or by what it resolves to now. A
 * host that does not resolve yet is accepted: every delivery checks the address it connects to again.
 */
export async function checkWebhookUrl(
  raw: string,
  policy: TUrlPolicy,
): Promise<{ ok: true; url: string } | { ok: false; message: string }> {
  if (raw.length > MAX_URL_LENGTH)
    return { ok: false, message: `must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: "must be an absolute http or https URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, message: "must use http or https" };
  if (url.username !== "" || url.password !== "")
    return { ok: false, message: "must not contain credentials" };
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (host === "") return { ok: false, message: "must name a host" };
  if (url.hash !== "") url.hash = "";
  if (policy.allowPrivate) return { ok: true, url: url.toString() };
  const refused = {
    ok: false,
    message: "must not point to a private, loopback or link-local address",
  } as const;
  if (isIP(host) !== 0) return isPrivateAddress(host) ? refused : { ok: true, url: url.toString() };
  const name = host.toLowerCase().replace(/\.$/, "");
  if (
    name === "localhost" ||
    name.endsWith(".localhost") ||
    name.endsWith(".internal") ||
    name.endsWith(".local")
  ) {
    return refused;
  }
  const addresses = await resolvedAddresses(name, policy.resolve ?? resolveHost);
  if (addresses?.some((a) => isPrivateAddress(a))) return refused;
  return { ok: true, url: url.toString() };
}
