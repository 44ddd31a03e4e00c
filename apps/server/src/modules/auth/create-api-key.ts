import { hash } from "node:crypto";
import { recordAudit, type TActor } from "../../core/audit.js";
import { randomToken } from "../../core/crypto.js";
import type { TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { apiKeys } from "./auth.tables.js";
import type { TApiKeyScope } from "./permissions.js";

export interface TCreateApiKeyOptions {
  workspaceId: string;
  name: string;
  scopes: readonly TApiKeyScope[];
  expiresAt?: Date | null;
  actor: TActor;
  requestId?: string | undefined;
}

export interface TCreatedApiKey {
  id: string;
  name: string;
  /** The secret, shown once; only its SHA-256 is stored. */
  key: string;
  prefix: string;
  scopes: readonly TApiKeyScope[];
  expiresAt: Date | null;
  createdAt: Date;
}

export function hashApiKeySecret(key: string): string {
  return hash("sha256", key, "hex");
}

export async function createApiKey(tx: TTx, options: TCreateApiKeyOptions): Promise<TCreatedApiKey> {
  const id = newId("key");
  const key = `ask_${randomToken(30)}`;
  const prefix = key.slice(0, 12);
  const createdAt = new Date();
  await tx.insert(apiKeys).values({
    id,
    workspaceId: options.workspaceId,
    name: options.name,
    prefix,
    secretHash: hashApiKeySecret(key),
    scopes: [...options.scopes],
    createdBy: options.actor.id,
    expiresAt: options.expiresAt ?? null,
    createdAt,
  });
  await recordAudit(tx, {
    workspaceId: options.workspaceId,
    actor: options.actor,
    action: "api_key.created",
    targetType: "api_key",
    targetId: id,
    requestId: options.requestId,
    details: { scopes: options.scopes.join(" ") },
  });
  return {
    id,
    name: options.name,
    key,
    prefix,
    scopes: options.scopes,
    expiresAt: options.expiresAt ?? null,
    createdAt,
  };
}
