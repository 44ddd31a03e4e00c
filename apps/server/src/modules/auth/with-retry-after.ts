import type { FastifyReply } from "fastify";
import { AppError } from "../../core/errors.js";

/** Run a route's operation, setting `Retry-After` when it answers 423 `locked`. */
export async function withRetryAfter<T>(reply: FastifyReply, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const after =
      error instanceof AppError && error.code === "locked" ? error.details?.retryAfterSeconds : undefined;
    if (typeof after === "number") void reply.header("retry-after", String(after));
    throw error;
  }
}
