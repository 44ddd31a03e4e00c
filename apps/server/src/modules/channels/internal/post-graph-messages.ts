import type { TResolvedDeps } from "./deps.js";
import { graphError, type TClassifyGraphError } from "./graph-error.js";
import { callProvider } from "./http.js";

/**
 * `POST {baseUrl}/{version}/{senderId}/messages` with a Bearer token and a JSON body (WhatsApp Cloud API,
 * Instagram Send API). Returns the HTTP status and parsed JSON of a 2xx; a non-2xx becomes the classified
 * ChannelError.
 */
export async function postGraphMessages(input: {
  deps: TResolvedDeps;
  apiVersion: string;
  /** The Graph node that sends: the phone number id or the IG_ID. */
  senderId: string;
  accessToken: string;
  body: Record<string, unknown>;
  provider: string;
  classify: TClassifyGraphError;
}): Promise<{ status: number; json: unknown }> {
  const { deps, provider } = input;
  const response = await callProvider({
    fetch: deps.fetch,
    url: `${deps.baseUrl}/${input.apiVersion}/${input.senderId}/messages`,
    headers: {
      authorization: `Bearer ${input.accessToken}`,
      "content-type": "application/json",
      accept: "application/json",
    },
    body: JSON.stringify(input.body),
    timeoutMs: deps.timeoutMs,
    provider,
  });
  if (response.status < 200 || response.status >= 300) {
    throw graphError({ provider, status: response.status, json: response.json, classify: input.classify });
  }
  return { status: response.status, json: response.json };
}
