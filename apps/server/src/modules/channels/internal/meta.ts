import { z } from "zod";
import type { THandshakeResult, TVerifyWebhookInput } from "../channel-adapter.js";
import { ChannelError } from "../channel-error.js";
import { classifyHttpStatus, type TErrorClass } from "./errors.js";
import { redactProviderText } from "./redact.js";
import { getHeader, safeEqualSecret, verifySha256Header } from "./signatures.js";

/** Meta (WhatsApp, Instagram): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(appSecret, raw body)>`. */
export function verifyMetaSignature(appSecret: string, input: TVerifyWebhookInput): boolean {
  try {
    return verifySha256Header({
      secret: appSecret,
      rawBody: input.rawBody,
      header: getHeader(input.headers, "x-hub-signature-256"),
    });
  } catch {
    return false;
  }
}

/** Meta's GET subscription check: `hub.mode=subscribe`, our verify token, and a challenge to echo. */
export function verifyMetaHandshake(
  verifyToken: string,
  query: Record<string, string | undefined>,
): THandshakeResult {
  const mode = query["hub.mode"];
  const token = query["hub.verify_token"];
  const challenge = query["hub.challenge"];
  if (mode !== "subscribe" || token === undefined || challenge === undefined || challenge === "") {
    return { ok: false };
  }
  return safeEqualSecret(token, verifyToken) ? { ok: true, challenge } : { ok: false };
}

/** Graph API error body: `{"error":{"message","type","code","error_subcode","error_data","fbtrace_id"}}`. */
export const ZGraphErrorBody = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** Builds the ChannelError for a non-2xx Graph reply, classifying by Graph code, then by HTTP status. */
export function graphError(input: {
  provider: string;
  status: number;
  json: unknown;
  classify: (code: number, subcode: number | undefined) => TErrorClass | undefined;
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
  });
}
