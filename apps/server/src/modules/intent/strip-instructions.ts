// Sender-side opt-out instructions, on normalised text (lower case, no punctuation, single spaces).
// They mention STOP/END/UNSUBSCRIBE without being a request, so they are cut before anything else looks.
const KW =
  "(?:stop|stopp|stopall|stopsms|end|quit|cancel|cnl|unsubscribe|unsub|optout|opt out|out|remove|x|no|baja|alto|sair|pare|arret|arrete|abmelden|annulla|afmelden|td|t|n|r|help|info|aide|ayuda|ajuda|hilfe|aiuto|start|yes|stop all)";
const KWS = `${KW}(?: (?:or|o|ou|oder|of|eller) ${KW})*`;
const VERB =
  "(?:reply|rply|rpl|respond|text|txt|send|sms|msg|message|answer|type|dial|call|responde|responda|responder|responded|envia|envie|enviar|envien|manda|mande|mandar|escribe|escriba|digite|repondez|repondre|reponds|envoyez|envoyer|envoie|tapez|antworte|antworten|sende|senden|schreibe|schreiben|rispondi|rispondere|invia|inviare|scrivi|antwoord|stuur|svara|skicka|send|svar|vastaa|laheta|odpowiedz|wyslij|odpovez|posli|valaszolj|raspunde|trimite|ответьте|отправьте|пришлите|надішліть|yanitla|gonder|gonderin|balas|kirim|ketik|poslete|posli|laheta|vastaa|svara|soan|gui|envie|odpowiedz|wyslij|raspunde|trimite|отговорете|изпратете|απαντηστε|στειλτε|reply)";
const WITH =
  "(?: (?:with|w|back|with the word|the word|word|con|la palabra|com|a palavra|avec|le mot|mit|met|med|z|s|ile|dengan|sie|sie mit))?";
const TARGET =
  "(?: (?:to|2|at|on|al|a|au|an|naar|na|til|till|do|para|per|pour|zum|um|om|ke|на|на номер|numeroon|numerolle|numarasina|nomor|ke nomor|so|den)(?: (?:the )?(?:number|no|numero|nummer|nr|short code|shortcode))?)? ?(?:[0-9](?: ?[0-9]){2,}|[a-z]*[0-9][a-z0-9]*)";
// What follows an instruction and states its purpose ("… for at afmelde", "… um keine SMS mehr zu erhalten").
const PURPOSE_TAIL =
  "(?: (?:to|2|for|para|pour|per|um|om|for at|til at|pro|aby|pentru|untuk|de|для|чтобы|щоб|за|για|icin)(?: [^ ]+){1,8}| [a-z]+a+ksesi)?";
const PURPOSE =
  "(?:opt out|optout|unsubscribe|unsub|end|stop|quit|cancel|cnl|be removed|remove|opt|stop receiving|stop texts|stop messages|stop msgs|stop txts|stop further messages|darte de baja|darse de baja|dar de baja|cancelar|no recibir|sair|descadastrar|cancelar|vous desabonner|vous desinscrire|ne plus recevoir|desabonner|abmelden|abbestellen|disiscriverti|cancellarti|non ricevere|afmelden|uitschrijven)";

// Every pattern below needs one of these; most replies have none and skip the patterns entirely.
const TRIGGER = new RegExp(
  `\\b(?:${VERB}|unsub|unsubscribe|optout|opt out|stop|msg)\\b|[0-9]|退订|拒收|回t|配信停止|거부`,
  "u",
);

const PATTERNS: readonly RegExp[] = [
  // "txt STOP to 80062", "reply STOP to end", "send STOP FRND to 62468", "Reply END SPTV"
  new RegExp(
    `\\b(?:(?:opt ?out|unsub(?:scribe)?|to (?:opt ?out|unsubscribe|stop)|stop|end|help) )?${VERB}${WITH} ${KWS}(?: [a-z0-9]+)?${TARGET}${PURPOSE_TAIL}(?![\\p{L}\\p{N}])`,
    "gu",
  ),
  // "Rispondi STOP per non ricevere più SMS", "Svara STOP för att avregistrera dig"
  new RegExp(
    `\\b${VERB}${WITH} ${KWS} (?:to|2|para|pour|per|zum|um|om|for|for at|pro|aby|pentru|untuk|icin|za|για)(?: [^ ]+){1,8}`,
    "gu",
  ),
  // "To opt out reply STOP", "2 stop texts txt STOP", "para darte de baja responde BAJA"
  new RegExp(
    `\\b(?:to|2|para|pour|per|zum|um|om|if you (?:wish|want|would like) to|if u want 2|wenn sie|si (?:vous )?(?:souhaitez|deseas|desea|voulez)) ?${PURPOSE}(?: (?:from )?(?:these |this |our |further |future |all )?(?:texts?|messages?|msgs?|txts?|alerts?|sms|list|service|mensajes|messages|nachrichten))?(?: at any time| anytime)?(?: (?:please|pls|simply|just))? (?:${VERB}|go to|visit|click|tap|call|goto|reply)(?:${WITH} ${KWS})?\\b`,
    "g",
  ),
  // "STOP to end", "stop2end", "Stop 2 cnl", "STOP au 36180", "BAJA al 5555"
  new RegExp(`\\b${KWS} ?(?:to|2|au|al|an|para|per) ?(?:${PURPOSE}|[0-9]{3,})\\b`, "g"),
  // "unsubscribe with STOP", "Unsub reply X", "OptOut txt STOP", "Opt out? Stop 8012"
  new RegExp(
    `\\b(?:unsubscribe|unsub|optout|opt out|remove|removal)(?: (?:with|via|by|reply|txt|text|send|sms))+ ${KWS}\\b`,
    "g",
  ),
  // "Stop? txt CLUB STOP to 87070", "End? Reply END SPTV": the question form that announces the instruction
  /\b(?:stop|end|unsubscribe|opt out|optout|quit) (?:reply|send|txt|text|call|rply)\b/g,
  // "you can unsubscribe at any time", "unsubscribe at www", "opt out at example.com", "call2optout"
  /\b(?:you can|u can|you may|u may)? ?(?:unsubscribe|opt out|optout|stop|unsub)(?: (?:at any time|anytime|at|here|via|by|by calling|by visiting|by clicking|from alerts|from all|link))+(?: [a-z0-9]+)?/g,
  /\b(?:call|or)? ?2 ?(?:optout|stop ?txt|stop|opt out|end)[a-z0-9]*/g,
  /\bmsg (?:and|&)? ?data rates (?:may|might) apply\b|\breply help for help\b|\bhelp (?:for help|for info)\b/g,
  // zh / ja / ko sender footers
  /回复?(?:td|t|n|r|0)?退订|退订回复?(?:td|t|n|r)?|拒收请回复?(?:r|n)?|回t退|退订请?回复?(?:td|t)?/g,
  /配信停止(?:は|を|の|ご希望)[^ ]*/g,
  /(?:무료)?(?:수신)?거부 ?0[0-9]*/g,
];

/**
 * Removes sender-side opt-out instructions ("txt STOP to 80062", "To opt out reply STOP",
 * "STOP au 36180", "回T退订") from normalised text. Returns the text with single spaces.
 */
export function stripInstructions(text: string): string {
  if (text.length === 0 || !TRIGGER.test(text)) return text;
  let out = text;
  for (const re of PATTERNS) out = out.replace(re, " ");
  return out.replace(/\s+/g, " ").trim();
}
