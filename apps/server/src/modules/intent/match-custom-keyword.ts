import type { TCustomKeyword } from "./intent.types.js";
import { normalizeText } from "./normalize-text.js";
import { stripFillers } from "./strip-fillers.js";

interface TCompiledCustom {
  compact: string;
  entry: TCustomKeyword;
}

const compiledCache = new WeakMap<readonly TCustomKeyword[], TCompiledCustom[]>();

function compile(list: readonly TCustomKeyword[]): TCompiledCustom[] {
  let compiled = compiledCache.get(list);
  if (!compiled) {
    compiled = list
      .map((entry) => ({ compact: normalizeText(entry.keyword).compact, entry }))
      .filter((c) => c.compact.length > 0);
    compiledCache.set(list, compiled);
  }
  return compiled;
}

/** Context used to decide whether a language- or country-scoped keyword applies. */
export interface TCustomKeywordContext {
  languages: readonly string[];
  country?: string;
}

/**
 * Whole-message match against a brand's own keywords (same normalisation and courtesy-word handling as
 * the built-in ones). Keywords scoped to a language or country apply only when the context matches.
 */
export function matchCustomKeyword(
  tokens: readonly string[],
  list: readonly TCustomKeyword[] | undefined,
  ctx: TCustomKeywordContext,
): TCustomKeyword | undefined {
  if (!list || list.length === 0 || tokens.length === 0 || tokens.length > 12) return undefined;
  const compact = tokens.join("");
  const core = stripFillers(tokens).join("");
  const country = ctx.country?.toUpperCase();
  for (const c of compile(list)) {
    if (c.compact !== compact && c.compact !== core) continue;
    if (c.entry.language && !ctx.languages.includes(c.entry.language.toLowerCase().split("-")[0] ?? ""))
      continue;
    if (c.entry.country && c.entry.country.toUpperCase() !== country) continue;
    return c.entry;
  }
  return undefined;
}
