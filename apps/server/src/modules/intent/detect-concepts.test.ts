import { describe, expect, it } from "vitest";
import { detectConcepts } from "./detect-concepts.js";
import { detectScope } from "./detect-scope.js";
import { hasOptOutCue } from "./has-opt-out-cue.js";
import { prepareModelText } from "./prepare-model-text.js";

const concepts = (text: string) => {
  const p = prepareModelText(text);
  return detectConcepts(p.tokens, p.text);
};

describe("detectConcepts", () => {
  it("finds stop, contact, negation and marketing words in spaced and unspaced scripts", () => {
    expect([...concepts("stop texting me").present]).toEqual(expect.arrayContaining(["S", "C"]));
    expect([...concepts("no me escriban más").present]).toEqual(expect.arrayContaining(["N", "C", "M"]));
    expect([...concepts("别再给我发短信了").present]).toEqual(expect.arrayContaining(["S", "C"]));
    expect([...concepts("広告はいりません").present]).toEqual(expect.arrayContaining(["P"]));
    expect([...concepts("광고 문자 그만 보내세요").present]).toEqual(expect.arrayContaining(["P", "S", "C"]));
    expect([...concepts("หยุดส่งข้อความ").present]).toEqual(expect.arrayContaining(["S", "C"]));
  });

  it("opens the opt-out gate only when a cue is present", () => {
    expect(hasOptOutCue(concepts("please remove my number"))).toBe(true);
    expect(hasOptOutCue(concepts("don't text me"))).toBe(true);
    expect(hasOptOutCue(concepts("I don't want you to write to me"))).toBe(true);
    expect(hasOptOutCue(concepts("ok see you at 5"))).toBe(false);
    expect(hasOptOutCue(concepts("text me when you're here"))).toBe(false);
    expect(hasOptOutCue(concepts("I want to go to perumbavoor"))).toBe(false);
  });

  it("does not let a short stem of one language fire inside another language's words", () => {
    expect(concepts("Yup").present.size).toBe(0);
    expect(concepts("quite nervous listening to the radio").present.has("R")).toBe(false);
  });

  it("votes for the languages whose stems matched", () => {
    const votes = concepts("przestańcie do mnie pisać").languageVotes;
    expect([...votes.keys()]).toContain("pl");
  });

  it("scopes marketing-only requests unless everything is meant", () => {
    expect(detectScope(concepts("no more promotions please"))).toBe("marketing");
    expect(detectScope(concepts("stop all messages including promotions"))).toBe("all");
    expect(detectScope(concepts("stop texting me"))).toBe("all");
  });
});
