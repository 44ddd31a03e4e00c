import { AppError } from "../../core/errors.js";

/** An error createContact named `identities[i].address` for an identity that came from `phone` or `email`, renamed. */
export function nameRequestField(error: unknown, fields: readonly string[]): unknown {
  if (!(error instanceof AppError) || error.field === undefined) return error;
  const m = /^identities\[(\d+)\]\.address$/.exec(error.field);
  const field = m ? fields[Number(m[1])] : undefined;
  if (field === undefined || field === error.field) return error;
  return new AppError(error.code, {
    message: error.message.replaceAll(error.field, field),
    field,
    ...(error.details ? { details: error.details } : {}),
    cause: error,
  });
}
