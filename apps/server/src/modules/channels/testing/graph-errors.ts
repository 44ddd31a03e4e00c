import type { TFakeReply } from "./fake-http-server.js";

/** Documented titles of the Graph / WhatsApp errors the fakes produce. */
const titles: Record<number, { status: number; message: string; type: string }> = {
  4: { status: 400, message: "(#4) Application request limit reached", type: "OAuthException" },
  10: {
    status: 400,
    message: "(#10) Application does not have permission for this action",
    type: "OAuthException",
  },
  100: { status: 400, message: "(#100) Invalid parameter", type: "OAuthException" },
  190: {
    status: 401,
    message: "Invalid OAuth access token - Cannot parse access token",
    type: "OAuthException",
  },
  551: { status: 400, message: "This person isn't available right now.", type: "OAuthException" },
  613: {
    status: 400,
    message: "(#613) Calls to this api have exceeded the rate limit.",
    type: "OAuthException",
  },
  130429: { status: 400, message: "(#130429) Rate limit hit", type: "OAuthException" },
  131000: { status: 500, message: "(#131000) Something went wrong", type: "OAuthException" },
  131026: { status: 400, message: "(#131026) Message undeliverable", type: "OAuthException" },
  131047: { status: 400, message: "(#131047) Re-engagement message", type: "OAuthException" },
  131050: {
    status: 400,
    message:
      "(#131050) Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business",
    type: "OAuthException",
  },
  131056: {
    status: 400,
    message: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
    type: "OAuthException",
  },
  132000: {
    status: 400,
    message: "(#132000) Number of parameters does not match the expected number of params",
    type: "OAuthException",
  },
  132001: {
    status: 404,
    message: "(#132001) Template name does not exist in the translation",
    type: "OAuthException",
  },
};

let trace = 0;

/** A Graph API error reply: `{"error":{"message","type","code","error_subcode"?,"error_data","fbtrace_id"}}`. */
export function graphErrorReply(
  code: number,
  options: {
    status?: number;
    subcode?: number;
    message?: string;
    details?: string;
    product?: "whatsapp" | "instagram";
  } = {},
): TFakeReply {
  const known = titles[code];
  trace += 1;
  return {
    status: options.status ?? known?.status ?? 400,
    body: {
      error: {
        message: options.message ?? known?.message ?? `(#${code}) Error`,
        type: known?.type ?? "OAuthException",
        code,
        ...(options.subcode === undefined ? {} : { error_subcode: options.subcode }),
        ...(options.product === "instagram"
          ? {}
          : {
              error_data: {
                messaging_product: "whatsapp",
                details: options.details ?? known?.message ?? "Error",
              },
            }),
        fbtrace_id: `AbCdEf${trace}`,
      },
    },
  };
}
