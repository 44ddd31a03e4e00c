import type { TKeywordMatch } from "./match-keyword.js";
import { matchKeyword } from "./match-keyword.js";
import { normalizeText } from "./normalize-text.js";
import { stripInstructions } from "./strip-instructions.js";

// Keywords that stay unambiguous when they stand as a sentence of their own inside a longer message
// ("Stop. Who is this?"). END, CANCEL, QUIT and friends are left out: "Cancel. I'll come Friday" is
// about an appointment.
const SENTENCE_KEYWORDS: ReadonlySet<string> = new Set([
  "stop",
  "stopall",
  "unsubscribe",
  "unsub",
  "optout",
  "revoke",
  "stopp",
  "arret",
  "arrete",
  "baja",
  "sair",
  "abmelden",
  "desabonner",
  "td",
  "退订",
  "退訂",
  "配信停止",
  "수신거부",
  "стоп",
  "отписаться",
  "leavemealone",
  "stoptexting",
  "stoptextingme",
  "stopmessagingme",
  "removeme",
  "takemeoff",
  "nomoretexts",
  "nomoremessages",
  "donottext",
  "donttext",
  "donotcontact",
  "unsubscribeme",
]);
const SENTENCE_END = /[.!?;\n。！？；]/;
// A sentence and the punctuation that ends it; a question ("Stop?") is how senders announce instructions.
const SENTENCE = /([^.!?;\n。！？；]+)([.!?;\n。！？；]*)/g;
const LAUGHTER =
  /\b(?:ha(?:ha)+|he(?:he)+|lol|lmao|rofl|ja(?:ja)+|kkk+|rs(?:rs)+|xd)\b|😂|🤣|😆|😅|😜|😘|🙈/iu;

/**
 * An opt-out keyword that is a sentence on its own inside a longer reply ("Stop. Who is this?",
 * "I'm good thanks. STOP"). Jokes ("haha stop. lol") are left to the later stages.
 */
export function matchSentenceKeyword(raw: string): TKeywordMatch | undefined {
  if (!SENTENCE_END.test(raw) || LAUGHTER.test(raw)) return undefined;
  const sentences = [...raw.slice(0, 2000).matchAll(SENTENCE)];
  if (sentences.length < 2) return undefined;
  for (const [, sentence = "", end = ""] of sentences.slice(0, 20)) {
    if (/[?？]/.test(end)) continue;
    const text = stripInstructions(normalizeText(sentence).text);
    if (text.length === 0 || text.length > 40) continue;
    const hit = matchKeyword(text.split(" "));
    if (hit && !hit.fuzzy && hit.intent === "opt_out" && SENTENCE_KEYWORDS.has(hit.keyword)) return hit;
  }
  return undefined;
}
