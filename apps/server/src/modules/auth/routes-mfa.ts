import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import type { TApp } from "../../http/types.js";
import { activateMfa } from "./activate-mfa.js";
import { ZCodeRequest, ZVerifyMfaRequest } from "./auth.schemas.js";
import { authRateLimits } from "./auth-rate-limits.js";
import { disableMfa } from "./disable-mfa.js";
import { enrollMfa } from "./enroll-mfa.js";
import { requireSessionUser } from "./session-user.js";
import { verifyMfa } from "./verify-mfa.js";
import { withRetryAfter } from "./with-retry-after.js";

/**
 * TOTP MFA for people: enrol (secret + otpauth URI), activate with a first code (→ recovery codes, shown
 * once), verify at sign-in (code or recovery code), disable with a code. These answer while the session
 * still has MFA pending; every other route refuses it with `mfa_required`.
 */
export function mfaRoutes(app: TApp, ctx: TAppContext): void {
  const config = { rateLimit: authRateLimits.mfa };

  app.post(
    "/v1/auth/mfa/enroll",
    {
      config,
      schema: {
        tags: ["auth"],
        summary: "Start TOTP enrolment: a secret and its otpauth:// URI",
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
      },
    },
    async (request) => {
      const principal = requireSessionUser(request);
      return enrollMfa(ctx, { principal, requestId: String(request.id) });
    },
  );

  app.post(
    "/v1/auth/mfa/activate",
    {
      config,
      schema: {
        tags: ["auth"],
        summary: "Activate TOTP with a first code; returns 10 recovery codes, shown once",
        body: ZCodeRequest,
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
      },
    },
    async (request) => {
      const principal = requireSessionUser(request);
      return activateMfa(ctx, { principal, code: request.body.code, requestId: String(request.id) });
    },
  );

  app.post(
    "/v1/auth/mfa/verify",
    {
      config,
      schema: {
        tags: ["auth"],
        summary: "Complete sign-in with a TOTP code or a recovery code",
        body: ZVerifyMfaRequest,
        response: {
          200: z.object({
            mfaRequired: z.literal(false),
            method: z.enum(["totp", "recovery_code"]),
            recoveryCodesLeft: z.number(),
          }),
        },
      },
    },
    async (request, reply) => {
      const principal = requireSessionUser(request);
      const done = await withRetryAfter(reply, () =>
        verifyMfa(ctx, { principal, proof: request.body, requestId: String(request.id) }),
      );
      return { mfaRequired: false as const, ...done };
    },
  );

  app.post(
    "/v1/auth/mfa/disable",
    {
      config,
      schema: {
        tags: ["auth"],
        summary: "Turn TOTP off (needs a current code or a recovery code)",
        body: ZVerifyMfaRequest,
      },
    },
    async (request, reply) => {
      const principal = requireSessionUser(request);
      await withRetryAfter(reply, () =>
        disableMfa(ctx, { principal, proof: request.body, requestId: String(request.id) }),
      );
      return reply.status(204).send();
    },
  );
}
