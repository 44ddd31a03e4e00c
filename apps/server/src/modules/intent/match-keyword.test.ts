import { describe, expect, it } from "vitest";
import { matchKeyword } from "./match-keyword.js";
import { normalizeText } from "./normalize-text.js";

const kw = (s: string) => {
  const n = normalizeText(s);
  return matchKeyword(n.tokens, n.stopEmoji);
};

describe("matchKeyword", () => {
  it.each([
    "STOP",
    "stopall",
    "STOP ALL",
    "Unsubscribe",
    "CANCEL",
    "end",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "opt out",
    "OPT-OUT",
    "REMOVE",
    "ARRET",
    "ARRÊT",
    "arrete",
    "BAJA",
    "ALTO",
    "PARE",
    "SAIR",
    "STOPP",
    "ABMELDEN",
    "TD",
    "退订",
    "取消订阅",
    "配信停止",
    "수신거부",
    "СТОП",
    "отписаться",
    "RET",
    "İPTAL",
    "הסר",
    "توقف",
    "UNREG",
    "HỦY",
    "หยุด",
    "Leiratkozás",
  ])("%s is an opt-out keyword", (s) => {
    expect(kw(s)?.intent).toBe("opt_out");
  });

  it.each(["START", "UNSTOP", "YES", "ALTA", "subscribe"])("%s is an opt-in keyword", (s) => {
    expect(kw(s)?.intent).toBe("opt_in");
  });

  it.each(["HELP", "INFO", "AIDE", "AYUDA", "AJUDA", "HILFE", "AIUTO", "помощь", "帮助", "ヘルプ", "도움말"])(
    "%s is a help keyword",
    (s) => {
      expect(kw(s)?.intent).toBe("help");
    },
  );

  it("never confuses ALTA (subscribe) and ALTO (stop)", () => {
    expect(kw("alta")?.intent).toBe("opt_in");
    expect(kw("alto")?.intent).toBe("opt_out");
    expect(kw("altos")).toBeUndefined();
    expect(kw("alti")).toBeUndefined();
  });

  it("matches one keystroke away only for keywords of four letters or more", () => {
    expect(kw("stpo")).toMatchObject({ intent: "opt_out", fuzzy: true });
    expect(kw("canecl")).toMatchObject({ intent: "opt_out", fuzzy: true });
    expect(kw("hlep")).toMatchObject({ intent: "help", fuzzy: true });
    expect(kw("emd")).toBeUndefined(); // END has three letters
    expect(kw("yrs")).toBeUndefined();
  });

  it("refuses fuzzy matches into ordinary words", () => {
    for (const w of ["step", "shop", "quite", "quiet", "hell", "para", "pare", "into", "stops"]) {
      expect(kw(w)?.fuzzy ?? false).toBe(false);
    }
    expect(kw("step")).toBeUndefined();
    expect(kw("quite")).toBeUndefined();
  });

  it("ignores courtesy words and repetitions around the keyword", () => {
    expect(kw("STOP please")?.intent).toBe("opt_out");
    expect(kw("pls stop!! thanks")?.intent).toBe("opt_out");
    expect(kw("BAJA por favor")?.intent).toBe("opt_out");
    expect(kw("stop stop stop")?.intent).toBe("opt_out");
    expect(kw("arrêt svp")?.intent).toBe("opt_out");
  });

  it("does not match a keyword inside a sentence", () => {
    expect(kw("stop by the store tomorrow")).toBeUndefined();
    expect(kw("the end of the month")).toBeUndefined();
  });

  it("matches a bare stop emoji", () => {
    expect(kw("🛑")?.intent).toBe("opt_out");
    expect(kw("🛑🛑🛑")?.intent).toBe("opt_out");
  });
});
