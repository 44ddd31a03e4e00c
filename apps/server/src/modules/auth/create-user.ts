import { hash } from "@node-rs/argon2";
import { eq } from "drizzle-orm";
import type { TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { users } from "./auth.tables.js";
import { assertPasswordPolicy } from "./password-policy.js";

/** argon2id parameters (OWASP 2023 minimum: m=19 MiB, t=2, p=1). */
export const argon2Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

/** Create a global user (no membership). Refuses weak passwords (400 `password`) and known emails (409 `email`). */
export async function createUser(
  tx: TTx,
  options: { emailIndex: string; emailSealed: string; password: string },
): Promise<{ id: string }> {
  assertPasswordPolicy(options.password);
  const existing = await tx
    .select({ id: users.id })
    .from(users)
    .where(eq(users.emailIndex, options.emailIndex));
  if (existing.length > 0)
    throw new AppError("conflict", { message: "a user with this email exists", field: "email" });
  const id = newId("usr");
  await tx.insert(users).values({
    id,
    emailIndex: options.emailIndex,
    emailSealed: options.emailSealed,
    passwordHash: await hashPassword(options.password),
    totpEnabled: false,
    recoveryCodes: [],
    failedLogins: 0,
    sessionsValidAfter: new Date(0),
    createdAt: new Date(),
  });
  return { id };
}
