import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** One registry per process; modules add their own metrics to it. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpDuration = new Histogram({
  name: "assent_http_request_duration_seconds",
  help: "HTTP request duration by route and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

export const httpErrors = new Counter({
  name: "assent_http_errors_total",
  help: "HTTP responses with status >= 500",
  labelNames: ["route"] as const,
  registers: [metricsRegistry],
});

type TDurationChild = ReturnType<typeof httpDuration.labels>;
const durationChildren = new Map<string, TDurationChild>();

/** Observe a request's duration; the labelled series are looked up once per (method, route, status). */
export function observeDuration(method: string, route: string, status: number, seconds: number): void {
  const key = `${method} ${status} ${route}`;
  let child = durationChildren.get(key);
  if (!child) {
    child = httpDuration.labels({ method, route, status: String(status) });
    if (durationChildren.size < 10_000) durationChildren.set(key, child);
  }
  child.observe(seconds);
}
