import type { TWebhookEventSelector } from "./event-types.js";

/** Sorted, without duplicates; `*` alone stands for every type. */
export function normalizeEventSelectors(events: readonly TWebhookEventSelector[]): TWebhookEventSelector[] {
  if (events.includes("*")) return ["*"];
  return [...new Set(events)].sort();
}
