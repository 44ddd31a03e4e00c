export { addMembership } from "./add-membership.js";
export { apiKeys, invitations, memberships, sessions, users } from "./auth.tables.js";
export { authenticateApiKey, forgetApiKey } from "./authenticate-api-key.js";
export { createApiKey, hashApiKeySecret, type TCreatedApiKey } from "./create-api-key.js";
export { createUser, hashPassword } from "./create-user.js";
export { listApiKeys } from "./list-api-keys.js";
export {
  apiKeyScopes, permissions, principalCan, rolePermissions, roles,
  type TApiKeyScope, type TPermission, type TPrincipal, type TRole,
} from "./permissions.js";
export { revokeApiKey } from "./revoke-api-key.js";
export { normaliseEmail, userEmailKeys } from "./user-email.js";
export { apiKeyRoutes } from "./routes-api-keys.js";
