import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KeyRing } from "../src/core/keyring.js";
import { consentKeyRings } from "../src/modules/consent/consent-key-rings.js";
import { initModules } from "../src/wiring.js";

describe("initModules", () => {
  it("registers the process's key ring with consent in every role (the cross-brand signal of worker and scheduler opt-outs)", () => {
    const ring = new KeyRing(randomBytes(32));
    expect(consentKeyRings.registered(ring)).toBe(false);
    initModules({ keys: ring });
    expect(consentKeyRings.registered(ring)).toBe(true);
  });
});
