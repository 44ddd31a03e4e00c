import { normalizeText } from "./apps/server/src/modules/intent/normalize-text.js";
import { matchKeyword } from "./apps/server/src/modules/intent/match-keyword.js";
for (const t of ["St0p", "ＳＴＯＰ", "ЅТОР", "stoppppp", "🛑", "✋", "STOP please!!", "Arrêt", "İPTAL", "Straße", "don't text me", "ne m'envoyez plus", "5TOP", "stpo", "Opt-Out", "alta", "alto", "alto!", "altos", "stop by the store", "退订", "配信停止", "수신거부", "b4 gr8", "unsubscr1be", "hlep", "stopp", "Baja por favor", "СТОП", "نعم", "שלום", "नमस्ते दोस्तों", "Tôi không muốn nhận tin nhắn nữa", "ok thanks", "canecl", "quite", "ends"]) {
  const n = normalizeText(t);
  console.log(JSON.stringify(t), "→", JSON.stringify(n.text), n.skeleton, JSON.stringify(matchKeyword(n)));
}
