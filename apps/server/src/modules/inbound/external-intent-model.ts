import type { TConfig } from "../../config/env.js";
import type { TLogger } from "../../core/logger.js";
import { createOpenAiCompatibleModel, type TExternalModel } from "../intent/index.js";

/** The external intent model of a process, and its budget per message. */
export interface TExternalIntent {
  model: TExternalModel;
  timeoutMs: number;
}

const built = new WeakMap<TConfig, TExternalIntent | null>();

/** Why a call failed, without anything the answer or the message contained (never logged). */
function failureKind(error: unknown): string {
  if (!(error instanceof Error)) return "error";
  if (error.name === "TimeoutError" || error.name === "AbortError") return "timeout";
  if (error.message.startsWith("external model HTTP ")) return error.message.slice(15, 40);
  if (error.name === "ZodError" || error.name === "SyntaxError" || error.message.startsWith("no JSON"))
    return "invalid_answer";
  return "unreachable";
}

/**
 * The OpenAI-compatible model configured by ASSENT_INTENT_MODEL_* (one per process and config), or
 * undefined when it is off, the default. Failures are logged by kind only: never the message text, the
 * model's answer or the API key. The caller falls back to the local result (classifyWithExternal).
 */
export function externalIntentModel(
  config: TConfig | undefined,
  logger: TLogger,
): TExternalIntent | undefined {
  if (!config?.intentModel) return undefined;
  const known = built.get(config);
  if (known !== undefined) return known ?? undefined;
  const { baseUrl, model, apiKey, timeoutMs } = config.intentModel;
  const inner = createOpenAiCompatibleModel({
    baseUrl,
    model,
    timeoutMs,
    ...(apiKey ? { apiKey } : {}),
  });
  const wrapped: TExternalModel = {
    name: inner.name,
    async classify(text, signal) {
      try {
        return await inner.classify(text, signal);
      } catch (error) {
        logger.warn(
          { model: inner.name, failure: failureKind(error) },
          "external intent model failed; local result used",
        );
        throw error;
      }
    },
  };
  const made = { model: wrapped, timeoutMs };
  built.set(config, made);
  let host = "?";
  try {
    host = new URL(baseUrl).host;
  } catch {}
  logger.info({ model: inner.name, host, timeoutMs }, "external intent model enabled");
  return made;
}
