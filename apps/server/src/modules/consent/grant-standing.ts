import type { TGrantState } from "./consent.types.js";

/** A grant's standing at a moment: pending and active grants lapse by their window and expiry. */
export type TGrantStanding = "active" | "pending" | "expired" | "withdrawn";

export function grantStanding(g: TGrantState, at: Date): TGrantStanding {
  if (g.status === "withdrawn") return "withdrawn";
  if (g.expiresAt && g.expiresAt.getTime() <= at.getTime()) return "expired";
  if (g.status === "pending")
    return g.confirmBy && g.confirmBy.getTime() <= at.getTime() ? "expired" : "pending";
  return "active";
}
