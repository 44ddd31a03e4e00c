import type { z } from "zod";
import { type TOutboundMessage, ZOutboundMessage } from "../channel-adapter.js";
import { ChannelError } from "../channel-error.js";

/** Largest webhook body we parse; providers send far less. */
export const maxWebhookBytes = 5 * 1024 * 1024;

function invalid(message: string, cause?: unknown): ChannelError {
  return new ChannelError("INVALID_PAYLOAD", { message, cause });
}

/** Paths of the failing fields only: zod messages never carry the (personal) input values we log. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.code}`)
    .join("; ");
}

export function parseJsonBody(rawBody: Buffer): unknown {
  if (rawBody.length > maxWebhookBytes) throw invalid("webhook body too large");
  try {
    return JSON.parse(rawBody.toString("utf8")) as unknown;
  } catch {
    throw invalid("webhook body is not valid JSON");
  }
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw invalid(`${what} does not match the provider format (${describeIssues(result.error)})`);
  return result.data;
}

/** Validates our own outbound message at the adapter boundary. */
export function parseOutbound(message: TOutboundMessage): TOutboundMessage {
  const result = ZOutboundMessage.safeParse(message);
  if (!result.success) {
    throw invalid(`outbound message is invalid (${describeIssues(result.error)})`);
  }
  return result.data;
}

/** INVALID_PAYLOAD: a webhook or an outbound message does not fit the provider's format. */
export function invalidPayload(message: string): ChannelError {
  return invalid(message);
}
