/** Every permission a route can require. Roles and API-key scopes both resolve to these. */
export const permissions = [
  "workspace:read",
  "workspace:manage",
  "members:manage",
  "api_keys:manage",
  "brands:read",
  "brands:write",
  "channels:manage",
  "webhooks:manage",
  "messages:send",
  "messages:read",
  "contacts:read",
  "contacts:write",
  "consent:read",
  "consent:write",
  "campaigns:write",
  "privacy:admin",
  "audit:read",
] as const;
export type TPermission = (typeof permissions)[number];

export const roles = ["owner", "admin", "agent", "compliance", "developer"] as const;
export type TRole = (typeof roles)[number];

/**
 * The permission matrix, in one place. Tested over HTTP for every role and every API-key scope in
 * test/permissions-matrix.test.ts; documented as a table in docs/auth.md.
 */
export const rolePermissions: Record<TRole, readonly TPermission[]> = {
  owner: permissions,
  admin: permissions.filter((p) => p !== "workspace:manage"),
  agent: [
    "workspace:read",
    "brands:read",
    "messages:send",
    "messages:read",
    "contacts:read",
    "contacts:write",
    "consent:read",
    "consent:write",
  ],
  compliance: [
    "workspace:read",
    "brands:read",
    "messages:read",
    "contacts:read",
    "consent:read",
    "consent:write",
    "privacy:admin",
    "audit:read",
  ],
  developer: [
    "workspace:read",
    "brands:read",
    "brands:write",
    "channels:manage",
    "webhooks:manage",
    "api_keys:manage",
    "messages:send",
    "messages:read",
    "contacts:read",
    "consent:read",
    "campaigns:write",
  ],
};

/**
 * Scopes an API key may carry: machine permissions (no member or workspace management). A key holding
 * api_keys:manage can only mint keys whose scopes are a subset of its own.
 */
export const apiKeyScopes = [
  "workspace:read",
  "api_keys:manage",
  "messages:send",
  "messages:read",
  "consent:read",
  "consent:write",
  "contacts:read",
  "contacts:write",
  "privacy:admin",
  "audit:read",
  "brands:read",
  "brands:write",
  "campaigns:write",
  "channels:manage",
  "webhooks:manage",
] as const satisfies readonly TPermission[];
export type TApiKeyScope = (typeof apiKeyScopes)[number];

/** Who is calling: resolved once per request by the auth hook. */
export type TPrincipal =
  | { kind: "api_key"; workspaceId: string; keyId: string; scopes: readonly TPermission[] }
  | {
      kind: "user";
      workspaceId: string | null;
      userId: string;
      sessionId: string;
      role: TRole | null;
      mfaPassed: boolean;
      csrfToken: string;
    };

export function principalCan(principal: TPrincipal, permission: TPermission): boolean {
  if (principal.kind === "api_key") return principal.scopes.includes(permission);
  return principal.role !== null && rolePermissions[principal.role].includes(permission);
}
