import { verify } from "@node-rs/argon2";
import { randomToken } from "../../core/crypto.js";
import { hashPassword } from "./create-user.js";

let dummy: Promise<string> | undefined;

/**
 * Check a password against its argon2id hash. With no hash (unknown email) it verifies against a dummy
 * hash of the same parameters and answers false, so both cases cost the same time.
 */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    dummy ??= hashPassword(randomToken(24));
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
