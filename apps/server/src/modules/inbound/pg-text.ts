/** Postgres text cannot hold NUL; provider ids are opaque, so a NUL is replaced, not refused. */
export function pgText(value: string): string {
  return value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value;
}
