import { Counter, collectDefaultMetrics, Registry } from "prom-client";

/** A sample as the registry renders it. */
interface TSample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** One registry per process; modules add their own metrics to it. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpErrors = new Counter({
  name: "assent_http_errors_total",
  help: "HTTP responses with status >= 500",
  labelNames: ["route"] as const,
  registers: [metricsRegistry],
});

const DURATION_NAME = "assent_http_request_duration_seconds";
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const MAX_SERIES = 10_000;

interface TSeries {
  labels: { method: string; route: string; status: string };
  /** Observations per bucket (not cumulative), the last slot for values above every bound. */
  counts: Float64Array;
  sum: number;
}

/**
 * The request-duration histogram, in Prometheus' exposition like prom-client's Histogram but observed in
 * a few array operations: the hook runs on every request, where prom-client hashes the label object each
 * time. Registered with the registry as a metric that renders itself on scrape.
 */
class DurationHistogram {
  readonly name = DURATION_NAME;
  readonly help = "HTTP request duration by route and status";
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, TSeries>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= MAX_SERIES) return;
      s = {
        labels: { method, route, status: String(status) },
        counts: new Float64Array(BUCKETS.length + 1),
        sum: 0,
      };
      this.series.set(key, s);
    }
    let b = 0;
    while (b < BUCKETS.length && seconds > (BUCKETS[b] ?? 0)) b++;
    s.counts[b] = (s.counts[b] ?? 0) + 1;
    s.sum += seconds;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: TSample[] } {
    const values: TSample[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      BUCKETS.forEach((le, b) => {
        acc += s.counts[b] ?? 0;
        values.push({ metricName: `${DURATION_NAME}_bucket`, labels: { ...s.labels, le }, value: acc });
      });
      acc += s.counts[BUCKETS.length] ?? 0;
      values.push({ metricName: `${DURATION_NAME}_bucket`, labels: { ...s.labels, le: "+Inf" }, value: acc });
      values.push({ metricName: `${DURATION_NAME}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${DURATION_NAME}_count`, labels: s.labels, value: acc });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

const httpDuration = new DurationHistogram();
metricsRegistry.registerMetric(httpDuration as unknown as Parameters<Registry["registerMetric"]>[0]);

/** Observe a request's duration (seconds) under its method, route pattern and status. */
export function observeDuration(method: string, route: string, status: number, seconds: number): void {
  httpDuration.observe(method, route, status, seconds);
}
