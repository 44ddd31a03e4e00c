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
});
