import { readFileSync } from "node:fs";
const lines = readFileSync("/work/shared/data/sms-spam-collection/SMSSpamCollection", "utf8").split("\n").map(l => l.split("\t")[1] ?? "");
function time(name: string, f: (s: string) => unknown) {
  for (let r = 0; r < 2; r++) { const t0 = performance.now(); for (const l of lines) f(l); if (r) console.log(name, ((performance.now() - t0) / lines.length * 1000).toFixed(2)); }
}
time("nfkc", s => s.normalize("NFKC"));
time("lower", s => s.toLowerCase());
time("nfd-strip-nfc", s => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC"));
time("elision", s => s.replace(/(^|[^\p{L}])(\p{L}|qu)['’ʼ`](?=\p{L})/gu, "$1$2 ").replace(/(\p{L})['’ʼ`](?=\p{L})/gu, "$1"));
time("leet", s => s.replace(/(?<![\p{L}\p{N}])([\p{L}0-9@$!|]*[0-9@$!|][\p{L}0-9@$!|]*)/gu, (c) => c));
time("squeeze", s => s.replace(/(\p{L})\1{2,}/gu, "$1"));
time("tokens", s => { const t: string[] = []; for (const m of s.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) t.push(m[0]); return t; });
time("tokens-split", s => s.split(/[^\p{L}\p{N}\p{M}]+/u));
time("ascii-test", s => /^[\x00-\x7f]*$/.test(s));
