import { z } from "zod";
import { ZListQuery } from "../../core/pagination.js";
import { PASSWORD_MAX } from "./password-policy.js";
import { roles } from "./permissions.js";

/** A public id (`ws_…`, `usr_…`, `inv_…`): anything else cannot name a row, and is refused before SQL sees it. */
export const ZId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "not an id");
/** Free text stored as is: Postgres text cannot hold NUL characters. */
export const ZName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((v) => !v.includes("\u0000"), "must not contain NUL characters");
/** Cursor pagination over ids. */
export const ZIdListQuery = ZListQuery.extend({ cursor: ZId.optional() });

/** An email address as typed (normalised to lowercase and trimmed before indexing). */
export const ZEmail = z.string().trim().min(3).max(254).pipe(z.email());
/** Length is bounded here; the full policy (12+, not common) is applied where passwords are set. */
export const ZPassword = z.string().min(1).max(PASSWORD_MAX);
export const ZRole = z.enum(roles);
export const ZTotpCode = z.string().regex(/^\d{6}$/, "a 6-digit code");
export const ZRecoveryCode = z.string().trim().min(10).max(20);

export const ZSignUpRequest = z.object({ email: ZEmail, password: ZPassword, workspaceName: ZName }).strict();
export const ZLogInRequest = z
  .object({ email: ZEmail, password: ZPassword, workspaceId: ZId.optional() })
  .strict();
export const ZSwitchWorkspaceRequest = z.object({ workspaceId: ZId }).strict();
export const ZAcceptInvitationRequest = z
  .object({ token: z.string().min(1).max(200), password: ZPassword.optional() })
  .strict();
export const ZInviteRequest = z.object({ email: ZEmail, role: ZRole }).strict();
export const ZChangeRoleRequest = z.object({ role: ZRole }).strict();
export const ZCodeRequest = z.object({ code: ZTotpCode }).strict();
export const ZVerifyMfaRequest = z.union([
  z.object({ code: ZTotpCode }).strict(),
  z.object({ recoveryCode: ZRecoveryCode }).strict(),
]);

export const ZSessionView = z.object({
  user: z.object({
    id: z.string(),
    email: z.string(),
    mfaEnabled: z.boolean(),
    recoveryCodesLeft: z.number(),
  }),
  workspaces: z.array(z.object({ id: z.string(), name: z.string(), role: ZRole, requireMfa: z.boolean() })),
  workspaceId: z.string().nullable(),
  csrfToken: z.string(),
  mfaRequired: z.boolean(),
  mfaEnrollmentRequired: z.boolean(),
  expiresAt: z.string(),
});

export const ZMember = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  role: ZRole,
  mfaEnabled: z.boolean(),
  joinedAt: z.string(),
});

export const ZInvitation = z.object({
  id: z.string(),
  email: z.string().nullable(),
  role: ZRole,
  invitedBy: z.string().nullable(),
  expiresAt: z.string(),
  createdAt: z.string(),
});
