import { createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openBytes, sealBytes } from "./crypto.js";

const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

describe("sealBytes / openBytes", () => {
  it("opens a value sealed by an earlier release (format: base64url(iv ‖ tag ‖ ciphertext))", () => {
    // Sealed with a fixed IV 000102…0b by the previous implementation (randomBytes IV, Buffer.concat).
    const sealed = "AAECAwQFBgcICQoLbG8_eKjyWWD2gazj9-ClbGwz4irw0PcuvXCnuw";
    expect(openBytes(key, sealed, "ws_fixed").toString("utf8")).toBe("+14155550100");
    expect(() => openBytes(key, sealed, "ws_other")).toThrow();
  });

  it("seals in the same format, readable by a plain AES-256-GCM decipher", () => {
    const plaintext = Buffer.from("Spring sale: 20% off until Sunday. Reply STOP to opt out.", "utf8");
    const raw = Buffer.from(sealBytes(key, plaintext, "ws_a"), "base64url");
    expect(raw.length).toBe(28 + plaintext.length);
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from("ws_a", "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    expect(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()])).toEqual(plaintext);
  });

  it("round-trips empty and multi-byte values, with and without additional data", () => {
    for (const value of ["", "é", "👋 hello", "x".repeat(5000)]) {
      const bytes = Buffer.from(value, "utf8");
      expect(openBytes(key, sealBytes(key, bytes, "aad"), "aad").toString("utf8")).toBe(value);
      expect(openBytes(key, sealBytes(key, bytes)).toString("utf8")).toBe(value);
    }
  });

  it("rejects a tampered value", () => {
    const raw = Buffer.from(sealBytes(key, Buffer.from("hello", "utf8"), "aad"), "base64url");
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => openBytes(key, raw.toString("base64url"), "aad")).toThrow();
  });

  it("never reuses an IV, across refills of the IV pool", () => {
    const ivs = new Set<string>();
    const n = 3_000;
    for (let i = 0; i < n; i++) {
      ivs.add(
        Buffer.from(sealBytes(key, Buffer.from("x", "utf8")), "base64url")
          .subarray(0, 12)
          .toString("hex"),
      );
    }
    expect(ivs.size).toBe(n);
  });
});
