import { describe, expect, it } from "vitest";
import { classify } from "./classify.js";
import { CONFIRMATION_TEMPLATES } from "./confirmation-templates.js";
import { confirmationText } from "./confirmation-text.js";

const KINDS = ["opt_out", "opt_out_marketing", "opt_in", "help", "clarify"] as const;

describe("confirmationText", () => {
  it("names the brand, says no further messages and how to resubscribe (CTIA)", () => {
    const t = confirmationText("opt_out", "en", "Acme Shoes");
    expect(t).toContain("Acme Shoes");
    expect(t).toMatch(/no further messages/i);
    expect(t).toContain("START");
  });

  it("has every kind in every supported language, each naming the brand and a keyword", () => {
    expect(Object.keys(CONFIRMATION_TEMPLATES).length).toBeGreaterThanOrEqual(40);
    for (const lang of Object.keys(CONFIRMATION_TEMPLATES)) {
      for (const kind of KINDS) {
        const t = confirmationText(kind, lang, "Zeta");
        expect(t, `${lang}/${kind}`).toContain("Zeta");
        expect(t, `${lang}/${kind}`).toMatch(/STOP|START/);
      }
    }
  });

  it("accepts full locales and falls back to English", () => {
    expect(confirmationText("opt_out", "pt-BR", "Loja")).toBe(confirmationText("opt_out", "pt", "Loja"));
    expect(confirmationText("opt_out", "nb-NO", "X")).toBe(confirmationText("opt_out", "no", "X"));
    expect(confirmationText("help", "xx", "Acme")).toBe(confirmationText("help", "en", "Acme"));
    expect(confirmationText("help", "und", "Acme")).toBe(confirmationText("help", "en", "Acme"));
  });

  it("sanitises the brand name", () => {
    expect(confirmationText("opt_out", "en", "  Acme\n\tCo  ")).toMatch(/^Acme Co:/);
    expect(confirmationText("opt_out", "en", "")).toMatch(/^We:/);
  });

  it("offers replies the classifier understands", () => {
    expect(classify("STOP PROMO").intent).toBe("opt_out_marketing");
    expect(classify("START").intent).toBe("opt_in");
  });
});
