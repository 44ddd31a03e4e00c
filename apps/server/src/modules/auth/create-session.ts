import { randomToken } from "../../core/crypto.js";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { sessions } from "./auth.tables.js";
import { hashToken } from "./hash-token.js";
import { SESSION_ABSOLUTE_MS } from "./session-policy.js";

export interface TNewSession {
  id: string;
  /** The cookie value, returned once; only its SHA-256 is stored. */
  token: string;
  /** Echoed by the client in `X-CSRF-Token` on every unsafe request. */
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Open a session for a user, working in `workspaceId` (null when the user belongs to none).
 * `mfaPassed` is true only when a TOTP or recovery code was verified in this sign-in.
 */
export async function createSession(
  tx: TTx,
  options: { userId: string; workspaceId: string | null; mfaPassed: boolean; now: Date },
): Promise<TNewSession> {
  const token = randomToken(32);
  const session: TNewSession = {
    id: newId("ses"),
    token,
    csrfToken: randomToken(24),
    expiresAt: new Date(options.now.getTime() + SESSION_ABSOLUTE_MS),
  };
  await tx.insert(sessions).values({
    id: session.id,
    tokenHash: hashToken(token),
    userId: options.userId,
    workspaceId: options.workspaceId,
    csrfToken: session.csrfToken,
    mfaPassed: options.mfaPassed,
    createdAt: options.now,
    expiresAt: session.expiresAt,
    lastSeenAt: options.now,
  });
  return session;
}
