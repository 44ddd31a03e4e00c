import type { FastifyRequest } from "fastify";
import { AppError } from "../../core/errors.js";

/**
 * preValidation hook for the public credential routes: only `application/json`. A cross-site HTML form
 * can post url-encoded bodies without a preflight, which would allow login CSRF; it cannot post JSON.
 */
export async function requireJson(request: FastifyRequest): Promise<void> {
  const type = request.headers["content-type"];
  if (typeof type !== "string" || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new AppError("unsupported_media_type", { message: "send application/json", field: "Content-Type" });
  }
}
