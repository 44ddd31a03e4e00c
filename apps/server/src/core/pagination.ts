import { z } from "zod";

/** `?limit=&cursor=`: cursor is the last id of the previous page (ids sort by creation time). */
export const ZListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export type TListQuery = z.infer<typeof ZListQuery>;

export function page<T extends { id: string }>(
  items: T[],
  limit: number,
): { data: T[]; nextCursor: string | null } {
  const data = items.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: items.length > limit && last ? last.id : null };
}
