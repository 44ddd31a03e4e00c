import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the fake answers the next requests. */
export type TFakeChatMode =
  | { kind: "answer"; intent: string; confidence: number }
  | { kind: "status"; status: number }
  | { kind: "hang" };

export interface TFakeChatRequest {
  model: string;
  /** The user turn's content: `{"reply": "<the customer's text>"}`. */
  userContent: string;
  authorization: string | undefined;
  /** What `onRequest` returned (checks made while the request was open). */
  probe: unknown;
}

export interface TFakeChatServer {
  /** Base URL with the version prefix, as ASSENT_INTENT_MODEL_URL takes it. */
  baseUrl: string;
  mode: TFakeChatMode;
  readonly requests: TFakeChatRequest[];
  /** Runs while each request is held open, before the answer (e.g. to look at the database). */
  onRequest: (() => Promise<unknown>) | undefined;
  /** Stop listening: later calls get "connection refused". */
  stop(): Promise<void>;
}

/**
 * A local OpenAI-compatible server (POST {base}/chat/completions, the chat-completions wire format) on the
 * loopback interface, for tests and benchmarks of the external intent model. No real network.
 */
export async function startFakeChatCompletions(): Promise<TFakeChatServer> {
  const state: TFakeChatServer = {
    baseUrl: "",
    mode: { kind: "answer", intent: "none", confidence: 0.9 },
    requests: [],
    onRequest: undefined,
    stop: async () => {},
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          model: string;
          messages: { role: string; content: string }[];
        };
        const probe = state.onRequest ? await state.onRequest() : undefined;
        state.requests.push({
          model: body.model,
          userContent: body.messages.find((m) => m.role === "user")?.content ?? "",
          authorization: req.headers.authorization,
          probe,
        });
        const mode = state.mode;
        if (mode.kind === "hang") return;
        if (mode.kind === "status") {
          res.writeHead(mode.status, { "content-type": "application/json" }).end('{"error":"boom"}');
          return;
        }
        const content = JSON.stringify({ intent: mode.intent, confidence: mode.confidence });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "chatcmpl-fake",
            object: "chat.completion",
            model: body.model,
            choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
          }),
        );
      })();
    });
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}
