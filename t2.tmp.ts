import { normalizeText } from "./apps/server/src/modules/intent/normalize-text.js";
import { stripInstructions } from "./apps/server/src/modules/intent/strip-instructions.js";
import { readFileSync } from "node:fs";
const lines = readFileSync("/work/shared/data/sms-spam-collection/SMSSpamCollection", "utf8").split("\n");
let n = 0;
const t0 = performance.now();
for (const l of lines) {
  const t = l.split("\t")[1] ?? "";
  const norm = normalizeText(t).text;
  const s = stripInstructions(norm);
  if (/\b(stop|unsubscribe|unsub|optout|opt out|end|quit|cancel|remove)\b/.test(s) && l.startsWith("spam")) { n++; if (n < 60) console.log(s.slice(0, 220)); }
}
console.log(n, performance.now() - t0);
for (const t of ["STOP", "Please stop texting me", "stop to end", "I already replied STOP, stop texting me", "Text STOP to 80062 to unsubscribe", "Répondez STOP au 36180 pour vous désabonner", "回T退订", "Para darte de baja responde BAJA", "who is this? stop", "stop"]) console.log(t, "=>", JSON.stringify(stripInstructions(normalizeText(t).text)));
