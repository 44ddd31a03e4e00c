import { describe, expect, it } from "vitest";
import { MAX_INPUT_CHARS, normalizeText } from "./normalize-text.js";

describe("normalizeText", () => {
  it.each([
    ["St0p", "stop"],
    ["5TOP", "stop"],
    ["unsubscr1be", "unsubscribe"],
    ["ＳＴＯＰ", "stop"],
    ["stoppppp", "stop"],
    ["STOOOOP!!!", "stop"],
    ["Arrêt", "arret"],
    ["NÃO", "nao"],
    ["İPTAL", "iptal"],
    ["ıptal", "iptal"],
    ["Straße", "strasse"],
    ["Opt-Out", "opt out"],
  ])("%s → %s", (raw, text) => {
    expect(normalizeText(raw).text).toBe(text);
  });

  it("maps look-alike Cyrillic letters to Latin in the skeleton only", () => {
    const n = normalizeText("ЅТОР");
    expect(n.skeleton).toBe("stop");
    expect(normalizeText("стоп").text).toBe("стоп");
  });

  it("repairs a Latin word with one Cyrillic letter inside", () => {
    expect(normalizeText("ѕtop").text).toBe("stop");
  });

  it("turns stop emoji into the word stop and flags them", () => {
    const n = normalizeText("🛑");
    expect(n.stopEmoji).toBe(true);
    expect(n.text).toBe("stop");
    expect(normalizeText("✋").stopEmoji).toBe(true);
    expect(normalizeText("⛔ no").text).toBe("stop no");
  });

  it("keeps SMS shorthand that only looks like leetspeak", () => {
    expect(normalizeText("b4 gr8 2nite").text).toBe("b4 gr8 2nite");
  });

  it("splits French elision but joins English contractions", () => {
    expect(normalizeText("ne m'envoyez plus").text).toBe("ne m envoyez plus");
    expect(normalizeText("don't text me").text).toBe("dont text me");
  });

  it("keeps Devanagari and Hangul intact", () => {
    expect(normalizeText("बंद करो").text).toBe("बंद करो");
    expect(normalizeText("수신거부").text).toBe("수신거부");
  });

  it("caps the work on huge input", () => {
    const n = normalizeText("stop ".repeat(100_000));
    expect(n.text.length).toBeLessThanOrEqual(MAX_INPUT_CHARS);
  });
});
