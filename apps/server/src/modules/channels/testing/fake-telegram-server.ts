import {
  ScriptedReplies,
  startFakeHttpServer,
  type TFakeHttpServer,
  type TFakeReply,
  type TRecordedRequest,
} from "./fake-http-server.js";

export interface TFakeTelegramServerOptions {
  botToken: string;
}

export interface TTelegramAccepted {
  method: string;
  params: Record<string, unknown>;
  /** The message id (within its chat) of the (first) message created, as the adapter returns it. */
  providerMessageId: string;
}

export interface TFakeTelegramServer extends TFakeHttpServer {
  readonly accepted: TTelegramAccepted[];
  /** Sends to this chat fail with 403 "Forbidden: bot was blocked by the user" (or another 403 text). */
  blockChat(chatId: string, description?: string): void;
  /** Sends to this chat ("*" = any) get 429 with parameters.retry_after, `times` times. */
  rateLimit(chatId: string, retryAfterSeconds: number, times?: number): void;
  /** Any scripted reply for a chat. */
  failFor(chatId: string, reply: TFakeReply, times?: number): void;
  reset(): void;
}

export function telegramErrorReply(errorCode: number, description: string, retryAfter?: number): TFakeReply {
  return {
    status: errorCode,
    body: {
      ok: false,
      error_code: errorCode,
      description,
      ...(retryAfter === undefined ? {} : { parameters: { retry_after: retryAfter } }),
    },
  };
}

const mediaField: Record<string, string> = {
  sendPhoto: "photo",
  sendDocument: "document",
  sendVideo: "video",
  sendAudio: "audio",
};

function readParams(request: TRecordedRequest): Record<string, unknown> | undefined {
  const text = request.rawBody.toString("utf8");
  if (request.contentType === "application/json") {
    try {
      const json: unknown = JSON.parse(text);
      return typeof json === "object" && json !== null && !Array.isArray(json) ? { ...json } : undefined;
    } catch {
      return undefined;
    }
  }
  if (request.contentType === "application/x-www-form-urlencoded" || text === "") {
    return Object.fromEntries(new URLSearchParams(request.method === "GET" ? request.query : text));
  }
  return undefined;
}

/** Telegram accepts an integer or a numeric string (or @channelusername). */
function chatIdOf(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && (/^-?\d{1,20}$/.test(value) || /^@\w{5,}$/.test(value))) return value;
  return undefined;
}

/**
 * A local Telegram Bot API: `{root}/bot<token>/<method>`, JSON or form parameters, `{"ok":…}` replies
 * with the documented error texts (401 Unauthorized, 400 Bad Request: …, 403 Forbidden: …, 429 with
 * retry_after).
 */
export async function startFakeTelegramServer(
  options: TFakeTelegramServerOptions,
): Promise<TFakeTelegramServer> {
  const accepted: TTelegramAccepted[] = [];
  const scripted = new ScriptedReplies();
  const botId = Number(options.botToken.slice(0, options.botToken.indexOf(":")));
  let nextMessageId = 1;

  function message(chatId: string, params: Record<string, unknown>, extra: Record<string, unknown>) {
    return {
      message_id: nextMessageId++,
      from: { id: botId, is_bot: true, first_name: "Assent Test Bot", username: "assent_test_bot" },
      chat: {
        id: chatId.startsWith("@") ? -1001234567890 : Number(chatId),
        type: chatId.startsWith("-") ? "supergroup" : "private",
      },
      date: Math.floor(Date.now() / 1000),
      ...(typeof params.business_connection_id === "string"
        ? { business_connection_id: params.business_connection_id }
        : {}),
      ...extra,
    };
  }

  function handle(request: TRecordedRequest): TFakeReply {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(request.path);
    if (match === null) return telegramErrorReply(404, "Not Found");
    const [, token, method = ""] = match;
    if (token !== options.botToken) return telegramErrorReply(401, "Unauthorized");
    if (method === "getMe") {
      return {
        status: 200,
        body: { ok: true, result: { id: botId, is_bot: true, first_name: "Assent Test Bot" } },
      };
    }
    if (method !== "sendMessage" && method !== "sendMediaGroup" && mediaField[method] === undefined) {
      return telegramErrorReply(404, "Not Found");
    }
    const params = readParams(request);
    if (params === undefined) return telegramErrorReply(400, "Bad Request: invalid request body");
    if (params.chat_id === undefined || params.chat_id === "")
      return telegramErrorReply(400, "Bad Request: chat_id is empty");
    const chatId = chatIdOf(params.chat_id);
    if (chatId === undefined) return telegramErrorReply(400, "Bad Request: chat not found");
    const failure = scripted.take(chatId);
    if (failure !== undefined) return failure;

    let result: unknown;
    if (method === "sendMessage") {
      if (typeof params.text !== "string" || params.text === "") {
        return telegramErrorReply(400, "Bad Request: message text is empty");
      }
      if (params.text.length > 4096) return telegramErrorReply(400, "Bad Request: message is too long");
      result = message(chatId, params, { text: params.text });
    } else if (method === "sendMediaGroup") {
      const media = params.media;
      if (!Array.isArray(media) || media.length < 2 || media.length > 10) {
        return telegramErrorReply(400, "Bad Request: wrong number of media in the album");
      }
      result = media.map(() => message(chatId, params, {}));
    } else {
      const field = mediaField[method] ?? "";
      if (typeof params[field] !== "string" || params[field] === "") {
        return telegramErrorReply(400, `Bad Request: there is no ${field} in the request`);
      }
      if (typeof params.caption === "string" && params.caption.length > 1024) {
        return telegramErrorReply(400, "Bad Request: message caption is too long");
      }
      result = message(chatId, params, { [field]: { file_id: "AgACAgQAAxkBAAIB" } });
    }
    const first = Array.isArray(result) ? result[0] : result;
    const messageId =
      typeof first === "object" && first !== null && "message_id" in first ? String(first.message_id) : "0";
    accepted.push({ method, params, providerMessageId: messageId });
    return { status: 200, body: { ok: true, result } };
  }

  const server = await startFakeHttpServer(handle);
  return {
    ...server,
    accepted,
    blockChat: (chatId, description = "Forbidden: bot was blocked by the user") =>
      scripted.set(chatId, telegramErrorReply(403, description)),
    rateLimit: (chatId, retryAfter, times) =>
      scripted.set(
        chatId,
        telegramErrorReply(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter),
        times,
      ),
    failFor: (chatId, reply, times) => scripted.set(chatId, reply, times),
    reset: () => {
      accepted.length = 0;
      server.requests.length = 0;
      scripted.clear();
      nextMessageId = 1;
    },
  };
}
