import { z } from "zod";
import { ChannelError } from "../channel-error.js";
import { classifyHttpStatus, type TErrorClass } from "./errors.js";
import { redactProviderText } from "./redact.js";

/** Graph API error body: `{"error":{"message","type","code","error_subcode","error_data","fbtrace_id"}}`. */
const ZGraphErrorBody = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** Graph error code (and subcode) → our code; undefined falls back to the HTTP status. */
export type TClassifyGraphError = (code: number, subcode: number | undefined) => TErrorClass | undefined;

/** Builds the ChannelError for a non-2xx Graph reply, classifying by Graph code, then by HTTP status. */
export function graphError(input: {
  provider: string;
  status: number;
  json: unknown;
  classify: TClassifyGraphError;
}): ChannelError {
  const parsed = ZGraphErrorBody.safeParse(input.json);
  const graph = parsed.success ? parsed.data.error : undefined;
  const byCode = graph === undefined ? undefined : input.classify(graph.code, graph.error_subcode);
  const byStatus = classifyHttpStatus(input.status);
  const chosen: TErrorClass = byCode ?? byStatus;
  const detail = redactProviderText(graph?.error_data?.details ?? graph?.message);
  return new ChannelError(chosen.code, {
    message: `${input.provider}: HTTP ${input.status}${graph ? ` code ${graph.code}` : ""}${detail ? `: ${detail}` : ""}`,
    providerStatus: input.status,
    ...(graph === undefined ? {} : { providerCode: String(graph.code) }),
    ...(chosen.retryable === undefined ? {} : { retryable: chosen.retryable }),
    ...(chosen.retryAfterMs === undefined ? {} : { retryAfterMs: chosen.retryAfterMs }),
    ...(chosen.recipientScoped === true ? { recipientScoped: true } : {}),
  });
}
