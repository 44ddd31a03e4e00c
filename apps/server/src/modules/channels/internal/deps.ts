import type { TAdapterDeps } from "../channel-adapter.js";
import { defaultTimeoutMs } from "./http.js";

export interface TResolvedDeps {
  fetch: typeof fetch;
  clock: () => Date;
  /** API root without a trailing slash. */
  baseUrl: string;
  timeoutMs: number;
}

export function resolveDeps(deps: TAdapterDeps, defaultBaseUrl: string): TResolvedDeps {
  return {
    fetch: deps.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    clock: deps.clock ?? (() => new Date()),
    baseUrl: (deps.baseUrl ?? defaultBaseUrl).replace(/\/+$/, ""),
    timeoutMs: deps.timeoutMs ?? defaultTimeoutMs,
  };
}
