import type { FastifyRequest } from "fastify";
import { AppError } from "../core/errors.js";
import type { TApp } from "./types.js";

/** A `\uD800`–`\uDFFF` escape: the only way JSON text can carry half of a surrogate pair. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Half of a surrogate pair standing alone (what String.prototype.isWellFormed looks for). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (s: string): boolean => !LONE_SURROGATE.test(s);

/** The path of the first string (or key) that is not well-formed UTF-16, e.g. `evidence.wording`. */
export function illFormedPath(value: unknown, path = ""): string | undefined {
  if (typeof value === "string") return wellFormed(value) ? undefined : path || "body";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = illFormedPath(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (!wellFormed(k)) return at;
      const found = illFormedPath(v, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), and refused with a 400 naming the
 * field when a string holds a lone surrogate (`"\ud83d"`, half an emoji): no database stores it as given
 * (Postgres text turns it into U+FFFD, jsonb refuses it), so a hash taken over the request's text would
 * never match what was stored. Only bodies with such an escape are walked.
 */
export function installWellFormedJsonParser(app: TApp): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string" },
    (
      request: FastifyRequest,
      body: string | Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      const text = typeof body === "string" ? body : body.toString("utf8");
      parse(request, text, (error: Error | null, value?: unknown) => {
        if (error) return done(error);
        if (!SURROGATE_ESCAPE.test(text)) return done(null, value);
        const field = illFormedPath(value);
        if (field === undefined) return done(null, value);
        done(
          new AppError("validation_failed", {
            message: `${field}: must not contain a lone UTF-16 surrogate (half of an emoji or symbol)`,
            field,
          }),
        );
      });
    },
  );
}
