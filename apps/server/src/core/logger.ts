import pino, { type Logger } from "pino";

/**
 * Every path that can carry personal data. The logger censors them wherever they appear, so a
 * careless `log.info({ body })` cannot leak a phone number or message text.
 */
export const redactPaths = [
  "phone",
  "email",
  "to",
  "from",
  "body",
  "text",
  "name",
  "password",
  "token",
  "apiKey",
  "secret",
  "authorization",
  "cookie",
  "detail",
  "*.detail",
  "err.detail",
  "err.cause.detail",
  "address",
  "ip",
  "userAgent",
  "media",
  "credentials",
  "code",
  "totp",
  "*.phone",
  "*.email",
  "*.to",
  "*.from",
  "*.body",
  "*.text",
  "*.name",
  "*.password",
  "*.token",
  "*.apiKey",
  "*.secret",
  "*.address",
  "*.ip",
  "*.userAgent",
  "*.media",
  "*.credentials",
  "*.totp",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-twilio-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'res.headers["set-cookie"]',
];

export type TLogger = Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): TLogger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: "[redacted]" },
      base: { service: "assent" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
