export { acceptInvitation } from "./accept-invitation.js";
export { activateMfa } from "./activate-mfa.js";
export { addMembership } from "./add-membership.js";
export { apiKeys, invitations, memberships, sessions, users } from "./auth.tables.js";
export { authenticateApiKey, forgetApiKey } from "./authenticate-api-key.js";
export { changeMemberRole } from "./change-member-role.js";
export type { TMfaProof } from "./check-mfa-proof.js";
export { createApiKey, hashApiKeySecret, type TCreatedApiKey } from "./create-api-key.js";
export { createSession, type TNewSession } from "./create-session.js";
export { createUser, hashPassword } from "./create-user.js";
export { describeSession, type TSessionView } from "./describe-session.js";
export { disableMfa } from "./disable-mfa.js";
export { enrollMfa } from "./enroll-mfa.js";
export { inviteMember, type TCreatedInvitation } from "./invite-member.js";
export { listApiKeys } from "./list-api-keys.js";
export { listInvitations } from "./list-invitations.js";
export { listMembers } from "./list-members.js";
export { loadSession, type TLoadedSession, type TUserPrincipal } from "./load-session.js";
export { LOCK_AFTER_FAILURES, LOCK_BASE_MS, LOCK_MAX_MS, lockDuration } from "./lockout-policy.js";
export { logIn } from "./log-in.js";
export { logOut } from "./log-out.js";
export { logOutEverywhere } from "./log-out-everywhere.js";
export { assertPasswordPolicy, PASSWORD_MAX, PASSWORD_MIN } from "./password-policy.js";
export {
  apiKeyScopes,
  permissions,
  principalCan,
  rolePermissions,
  roles,
  type TApiKeyScope,
  type TPermission,
  type TPrincipal,
  type TRole,
} from "./permissions.js";
export { recordUserAudit } from "./record-user-audit.js";
export { removeMember } from "./remove-member.js";
export { resolveSession } from "./resolve-session.js";
export { revokeApiKey } from "./revoke-api-key.js";
export { revokeInvitation } from "./revoke-invitation.js";
export { apiKeyRoutes } from "./routes-api-keys.js";
export { memberRoutes } from "./routes-members.js";
export { mfaRoutes } from "./routes-mfa.js";
export { sessionRoutes } from "./routes-session.js";
export { SESSION_ABSOLUTE_MS, SESSION_COOKIE, SESSION_IDLE_MS } from "./session-policy.js";
export { requireSessionUser } from "./session-user.js";
export { signUp } from "./sign-up.js";
export { switchWorkspace } from "./switch-workspace.js";
export { normaliseEmail, userEmailKeys } from "./user-email.js";
export { verifyMfa } from "./verify-mfa.js";
export { verifyPassword } from "./verify-password.js";
