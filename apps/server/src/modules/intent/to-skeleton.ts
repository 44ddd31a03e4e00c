const CONFUSABLES: Readonly<Record<string, string>> = {
  а: "a",
  в: "b",
  е: "e",
  ѕ: "s",
  і: "i",
  ј: "j",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ԁ: "d",
  һ: "h",
  ԛ: "q",
  ԝ: "w",
  ӏ: "l",
  ё: "e",
  ї: "i",
  ц: "u",
  п: "n",
  α: "a",
  β: "b",
  ε: "e",
  ζ: "z",
  η: "n",
  ι: "i",
  κ: "k",
  μ: "u",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  γ: "y",
  ω: "w",
  σ: "o",
};
const CONFUSABLE_RE = /[авеѕіјкмнорстухԁһԛԝӏёїцпαβεζηικμνορτυχγωσ]/g;
// The confusable letters all lie below U+0530: a table look-up per code unit finds them.
const CONFUSABLE_UNIT = new Uint8Array(0x530);
for (const c of Object.keys(CONFUSABLES)) CONFUSABLE_UNIT[c.charCodeAt(0)] = 1;

function hasConfusable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x530 && CONFUSABLE_UNIT[c] === 1) return true;
  }
  return false;
}
function mapConfusable(c: string): string {
  return CONFUSABLES[c] ?? c;
}
/** Maps Cyrillic and Greek letters that look like Latin ones to those Latin letters (UTS #39 style). */
export function toSkeleton(s: string): string {
  return hasConfusable(s) ? s.replace(CONFUSABLE_RE, mapConfusable) : s;
}
