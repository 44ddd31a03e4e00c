import { describe, expect, it } from "vitest";
import { metricsRegistry, observeDuration } from "./metrics.js";

describe("request-duration histogram", () => {
  it("renders cumulative buckets, sum and count per method, route and status in Prometheus' format", async () => {
    observeDuration("POST", "/v1/test-metrics", 200, 0.0004);
    observeDuration("POST", "/v1/test-metrics", 200, 0.003);
    observeDuration("POST", "/v1/test-metrics", 200, 7);
    observeDuration("GET", "/v1/test-metrics", 404, 0.02);
    const text = await metricsRegistry.metrics();
    const lines = text.split("\n").filter((l) => l.includes("/v1/test-metrics"));
    const at = (s: string) =>
      lines
        .find((l) => l.startsWith(s))
        ?.split(" ")
        .at(-1);
    expect(text).toContain("# TYPE assent_http_request_duration_seconds histogram");
    const series = 'method="POST",route="/v1/test-metrics",status="200"';
    expect(at(`assent_http_request_duration_seconds_bucket{${series},le="0.001"}`)).toBe("1");
    expect(at(`assent_http_request_duration_seconds_bucket{${series},le="0.0025"}`)).toBe("1");
    expect(at(`assent_http_request_duration_seconds_bucket{${series},le="0.005"}`)).toBe("2");
    expect(at(`assent_http_request_duration_seconds_bucket{${series},le="2.5"}`)).toBe("2");
    expect(at(`assent_http_request_duration_seconds_bucket{${series},le="+Inf"}`)).toBe("3");
    expect(at(`assent_http_request_duration_seconds_count{${series}}`)).toBe("3");
    expect(Number(at(`assent_http_request_duration_seconds_sum{${series}}`))).toBeCloseTo(7.0034, 6);
    const other = 'method="GET",route="/v1/test-metrics",status="404"';
    expect(at(`assent_http_request_duration_seconds_bucket{${other},le="0.01"}`)).toBe("0");
    expect(at(`assent_http_request_duration_seconds_bucket{${other},le="0.025"}`)).toBe("1");
  });
});
