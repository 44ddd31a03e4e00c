import { describe, expect, it } from "vitest";
import { classify } from "./classify.js";
import { ZIntentResult } from "./intent.types.js";
import { LEGAL_DEFAULT_KEYWORDS } from "./legal-default-keywords.js";

const intent = (text: string) => classify(text).intent;
const isOptOut = (text: string) => ["opt_out", "opt_out_marketing"].includes(intent(text));

describe("classify: keywords and normalisation", () => {
  it.each([
    "STOP",
    "St0p",
    "ＳＴＯＰ",
    "ЅТОР",
    "stoppppp",
    "🛑",
    "✋",
    "Stop.",
    "  stop  ",
    "UNSUBSCRIBE",
    "OPT OUT",
  ])("%s → opt_out by keyword", (text) => {
    const r = classify(text);
    expect(r.intent).toBe("opt_out");
    expect(r.evidence.source).toBe("keyword");
    expect(r.uncertain).toBe(false);
  });

  it("reports the language of a keyword, preferring the contact's locale", () => {
    expect(classify("BAJA").language).toBe("es");
    expect(classify("退订").language).toBe("zh");
    expect(classify("STOP", { locale: "fr-CA" }).language).toBe("fr");
    expect(classify("ARRET").language).toBe("fr");
  });

  it("understands opt-in and help keywords", () => {
    expect(intent("START")).toBe("opt_in");
    expect(intent("ALTA")).toBe("opt_in");
    expect(intent("ALTO")).toBe("opt_out");
    expect(intent("AYUDA")).toBe("help");
    expect(intent("AIDE")).toBe("help");
  });
});

describe("classify: natural language in many languages", () => {
  it.each([
    ["Please stop texting me", "en"],
    ["who is this? stop", "en"],
    ["wrong number, stop", "en"],
    ["leave me alone", "en"],
    ["don't text me", "en"],
    ["never message me again", "en"],
    ["Please remove my number from your list", "en"],
    ["no me escriban más", "es"],
    ["dejen de mandarme mensajes", "es"],
    ["ne m'envoyez plus de messages", "fr"],
    ["não me mande mais mensagens", "pt"],
    ["bitte schreiben Sie mir nicht mehr", "de"],
    ["non scrivetemi più", "it"],
    ["stuur me geen berichten meer", "nl"],
    ["sluta skicka meddelanden till mig", "sv"],
    ["przestańcie do mnie pisać", "pl"],
    ["перестаньте мне писать", "ru"],
    ["не надсилайте мені більше повідомлень", "uk"],
    ["bana mesaj göndermeyi bırakın", "tr"],
    ["توقفوا عن مراسلتي", "ar"],
    ["תפסיקו לשלוח לי הודעות", "he"],
    ["मुझे मैसेज भेजना बंद करो", "hi"],
    ["jangan kirim sms lagi", "id"],
    ["đừng nhắn tin cho tôi nữa", "vi"],
    ["หยุดส่งข้อความมาหาฉัน", "th"],
    ["别再给我发短信了", "zh"],
    ["もうメッセージを送らないでください", "ja"],
    ["문자 그만 보내세요", "ko"],
  ])("%s → opt-out (%s)", (text, language) => {
    const r = classify(text);
    expect(["opt_out", "opt_out_marketing"]).toContain(r.intent);
    expect(r.language).toBe(language);
  });
});

describe("classify: negation, objects and ordinary uses of stop words", () => {
  it.each([
    "don't stop sending the deals!",
    "no pares las ofertas",
    "stop by the store tomorrow",
    "can't stop laughing",
    "wait at the bus stop",
    "cancel my order #4471",
    "stop the delivery",
    "unsubscribe my old email from the account",
    "don't unsubscribe me",
    "n'arrêtez pas les promos !",
    "the sale ends tonight?",
    "I quit my job today",
    "ok thanks",
    "what time do you open?",
  ])("%s → not an opt-out", (text) => {
    expect(isOptOut(text)).toBe(false);
  });

  it("treats a negated contact verb as an opt-out", () => {
    expect(intent("don't text me")).toBe("opt_out");
    expect(intent("do not message me again")).toBe("opt_out");
    expect(intent("never text this number again")).toBe("opt_out");
  });

  it("keeps 'don't text and drive' and 'text me instead' as conversation", () => {
    expect(isOptOut("don't text and drive!")).toBe(false);
    expect(isOptOut("don't call, text me instead")).toBe(false);
  });
});

describe("classify: marketing-only scope", () => {
  it.each([
    "no more ads, keep order updates",
    "stop sending promotions",
    "I only want shipping updates, no marketing",
    "no quiero más publicidad",
    "keine Werbung mehr bitte",
    "plus de pub svp",
  ])("%s → opt_out_marketing", (text) => {
    expect(intent(text)).toBe("opt_out_marketing");
  });

  it("keeps a full opt-out full", () => {
    expect(intent("stop all messages")).toBe("opt_out");
    expect(intent("stop texting me")).toBe("opt_out");
  });
});

describe("classify: sender boilerplate and quoted text", () => {
  it.each([
    "Reply STOP to opt out",
    "Txt STOP to 80062 to end",
    "50% off everything! Reply STOP to unsubscribe",
    "Responde BAJA para no recibir más mensajes",
    "Répondez STOP pour vous désabonner",
    "【商城】大促五折！回复TD退订",
  ])("%s → none", (text) => {
    expect(isOptOut(text)).toBe(false);
  });

  it("classifies the contact's words above a quoted message", () => {
    expect(intent("STOP\n> 50% off today! Reply STOP to opt out")).toBe("opt_out");
    expect(isOptOut("thanks!\n> Reply STOP to opt out")).toBe(false);
  });
});

describe("classify: custom keywords", () => {
  it("adds brand keywords, scoped by language and country", () => {
    const customKeywords = [
      { keyword: "PAUSE", intent: "opt_out" as const },
      { keyword: "NOPROMO", intent: "opt_out_marketing" as const },
      { keyword: "BASTA YA", intent: "opt_out" as const, language: "es" },
      { keyword: "CANCELA", intent: "opt_out" as const, country: "MX" },
    ];
    expect(classify("pause", { customKeywords })).toMatchObject({
      intent: "opt_out",
      evidence: { source: "custom_keyword" },
    });
    expect(classify("NOPROMO", { customKeywords }).intent).toBe("opt_out_marketing");
    expect(classify("basta ya", { customKeywords, locale: "es-MX" }).evidence.source).toBe("custom_keyword");
    expect(classify("CANCELA", { customKeywords, countryHint: "MX" }).evidence.source).toBe("custom_keyword");
    expect(classify("CANCELA", { customKeywords, countryHint: "US" }).evidence.source).not.toBe(
      "custom_keyword",
    );
  });

  it("can never remove or weaken the legal default keywords", () => {
    const customKeywords = LEGAL_DEFAULT_KEYWORDS.map((keyword) => ({ keyword, intent: "opt_in" as const }));
    for (const k of LEGAL_DEFAULT_KEYWORDS) {
      const r = classify(k, { customKeywords });
      expect(r.intent).toBe("opt_out");
      expect(r.evidence.source).toBe("keyword");
    }
    const marketingOnly = [{ keyword: "STOP", intent: "opt_out_marketing" as const }];
    expect(classify("STOP", { customKeywords: marketingOnly }).intent).toBe("opt_out");
  });
});

describe("classify: result contract", () => {
  it("returns a valid result with a clarification band", () => {
    for (const text of ["STOP", "hello", "I think you have the wrong number", "", "🙂", "stop by later"]) {
      const r = classify(text);
      expect(ZIntentResult.safeParse(r).success).toBe(true);
    }
    const wrong = classify("I think you have the wrong number");
    expect(wrong.intent).toBe("none");
    expect(wrong.uncertain).toBe(true);
  });

  it("returns und for text without letters and no hint", () => {
    expect(classify("12345").language).toBe("und");
    expect(classify("👍").language).toBe("und");
    expect(classify("👍", { locale: "pt-BR" }).language).toBe("pt");
  });
});
