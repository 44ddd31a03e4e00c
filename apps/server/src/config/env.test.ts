import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./env.js";

describe("loadConfig", () => {
  it("applies the documented defaults with no configuration", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      dataDir: "./data",
      databaseUrl: undefined,
      logLevel: "info",
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("names every variable at fault", () => {
    try {
      loadConfig({
        PORT: "eighty",
        DATABASE_URL: "mysql://x",
        ASSENT_MASTER_KEY: "c2hvcnQ=",
        LOG_LEVEL: "loud",
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const vars = (error as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(["ASSENT_MASTER_KEY", "DATABASE_URL", "LOG_LEVEL", "PORT"]);
    }
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" }).databaseUrl).toBeUndefined();
  });

  it("leaves the external intent model off by default", () => {
    expect(loadConfig({}).intentModel).toBeUndefined();
  });

  it("reads the external intent model settings", () => {
    const c = loadConfig({
      ASSENT_INTENT_MODEL_URL: "http://127.0.0.1:11434/v1",
      ASSENT_INTENT_MODEL_NAME: "llama3.2",
      ASSENT_INTENT_MODEL_API_KEY: "sk-secret",
      ASSENT_INTENT_MODEL_TIMEOUT_MS: "300",
    });
    expect(c.intentModel).toEqual({
      baseUrl: "http://127.0.0.1:11434/v1",
      model: "llama3.2",
      apiKey: "sk-secret",
      timeoutMs: 300,
    });
    expect(Object.isFrozen(c.intentModel)).toBe(true);
    expect(
      loadConfig({ ASSENT_INTENT_MODEL_URL: "https://x.example/v1", ASSENT_INTENT_MODEL_NAME: "m" })
        .intentModel,
    ).toMatchObject({ apiKey: undefined, timeoutMs: 800 });
  });

  it("refuses incomplete or invalid external intent model settings, without echoing the secret", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).not.toContain("sk-secret");
        return (error as ConfigError).problems.map((p) => p.variable).sort();
      }
    };
    expect(problems({ ASSENT_INTENT_MODEL_URL: "http://127.0.0.1:1/v1" })).toEqual([
      "ASSENT_INTENT_MODEL_NAME",
    ]);
    expect(problems({ ASSENT_INTENT_MODEL_API_KEY: "sk-secret" })).toEqual(["ASSENT_INTENT_MODEL_URL"]);
    expect(problems({ ASSENT_INTENT_MODEL_URL: "ftp://x/v1", ASSENT_INTENT_MODEL_NAME: "m" })).toEqual([
      "ASSENT_INTENT_MODEL_URL",
    ]);
    expect(
      problems({
        ASSENT_INTENT_MODEL_URL: "http://x/v1",
        ASSENT_INTENT_MODEL_NAME: "m",
        ASSENT_INTENT_MODEL_API_KEY: "sk-secret",
        ASSENT_INTENT_MODEL_TIMEOUT_MS: "10",
      }),
    ).toEqual(["ASSENT_INTENT_MODEL_TIMEOUT_MS"]);
  });
});
