import { deriveKey, hmacHex, safeEqual } from "../../core/crypto.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";

/** What a confirmation link names: one pending grant of one workspace, until a moment. */
export interface TConfirmLink {
  workspaceId: string;
  grantId: string;
  expiresAt: Date;
}

const TOKEN = /^(ws_[a-z0-9]{1,64})\.(cns_[a-z0-9]{1,64})\.([0-9a-z]{1,12})\.([0-9a-f]{64})$/;
const linkKeys = new WeakMap<TWorkspaceKeys, Buffer>();

function mac(keys: TWorkspaceKeys, l: { workspaceId: string; grantId: string; exp: string }): string {
  let key = linkKeys.get(keys);
  if (!key) {
    key = deriveKey(keys.index, "assent/consent-confirm-link");
    linkKeys.set(keys, key);
  }
  return hmacHex(key, `assent-confirm-link/1|${l.workspaceId}|${l.grantId}|${l.exp}`);
}

/**
 * Signed double-opt-in confirmation links: `ws.grant.expiry.hmac`, the HMAC-SHA256 under a key derived
 * from the workspace's keys, so a link can be neither forged nor pointed at another grant or workspace.
 * The workspace id travels in clear: it says which key checks the signature.
 */
export const confirmLinkToken = {
  create(keys: TWorkspaceKeys, l: TConfirmLink): string {
    const exp = Math.floor(l.expiresAt.getTime() / 1000).toString(36);
    return `${l.workspaceId}.${l.grantId}.${exp}.${mac(keys, { ...l, exp })}`;
  },

  /** The link's claims, unverified (null when it is not shaped like a link): read the workspace first. */
  parse(token: string): (TConfirmLink & { exp: string; mac: string }) | null {
    const m = TOKEN.exec(token);
    if (!m?.[1] || !m[2] || !m[3] || !m[4]) return null;
    const seconds = Number.parseInt(m[3], 36);
    if (!Number.isSafeInteger(seconds)) return null;
    return { workspaceId: m[1], grantId: m[2], expiresAt: new Date(seconds * 1000), exp: m[3], mac: m[4] };
  },

  /** Whether the signature is the workspace's (constant time). */
  verify(keys: TWorkspaceKeys, l: TConfirmLink & { exp: string; mac: string }): boolean {
    return safeEqual(mac(keys, l), l.mac);
  },
};
