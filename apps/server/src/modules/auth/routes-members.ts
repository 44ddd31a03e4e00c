import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { page } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import {
  ZChangeRoleRequest,
  ZId,
  ZIdListQuery,
  ZInvitation,
  ZInviteRequest,
  ZMember,
  ZRole,
} from "./auth.schemas.js";
import { changeMemberRole } from "./change-member-role.js";
import { inviteMember } from "./invite-member.js";
import { listInvitations } from "./list-invitations.js";
import { listMembers } from "./list-members.js";
import type { TPrincipal, TRole } from "./permissions.js";
import { removeMember } from "./remove-member.js";
import { revokeInvitation } from "./revoke-invitation.js";
import { userEmailKeys } from "./user-email.js";

const ZUserParams = z.object({ userId: ZId });
const roleOf = (p: TPrincipal): TRole | null => (p.kind === "user" ? p.role : null);

/** Members and invitations of the caller's workspace (members:manage). */
export function memberRoutes(app: TApp, ctx: TAppContext): void {
  app.post(
    "/v1/members/invitations",
    {
      schema: {
        tags: ["members"],
        summary: "Invite someone by email (the token is shown once, valid 7 days)",
        body: ZInviteRequest,
        response: { 201: ZInvitation.extend({ token: z.string() }) },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "members:manage");
      const created = await inviteMember(ctx, {
        workspaceId: p.workspaceId,
        email: request.body.email,
        role: request.body.role,
        actor: actorOf(p),
        actorRole: roleOf(p),
        requestId: String(request.id),
      });
      return reply.status(201).send({
        id: created.id,
        email: request.body.email.trim().toLowerCase(),
        role: created.role,
        invitedBy: actorOf(p).id,
        expiresAt: created.expiresAt.toISOString(),
        createdAt: created.createdAt.toISOString(),
        token: created.token,
      });
    },
  );

  app.get(
    "/v1/members/invitations",
    {
      schema: {
        tags: ["members"],
        summary: "Pending invitations",
        querystring: ZIdListQuery,
        response: { 200: z.object({ data: z.array(ZInvitation), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "members:manage");
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listInvitations(tx, {
          workspaceId: p.workspaceId,
          limit: request.query.limit,
          cursor: request.query.cursor,
        }),
      );
      const emails = await userEmailKeys(ctx.db, ctx.keys);
      const r = page(found, request.query.limit);
      return {
        data: r.data.map((i) => ({
          id: i.id,
          email: i.emailSealed ? emails.open(i.emailSealed) : null,
          role: ZRole.parse(i.role),
          invitedBy: i.invitedBy,
          expiresAt: i.expiresAt.toISOString(),
          createdAt: i.createdAt.toISOString(),
        })),
        nextCursor: r.nextCursor,
      };
    },
  );

  app.delete(
    "/v1/members/invitations/:id",
    {
      schema: { tags: ["members"], summary: "Withdraw a pending invitation", params: z.object({ id: ZId }) },
    },
    async (request, reply) => {
      const p = authorize(request, "members:manage");
      await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        revokeInvitation(tx, {
          workspaceId: p.workspaceId,
          invitationId: request.params.id,
          actor: actorOf(p),
          requestId: String(request.id),
        }),
      );
      return reply.status(204).send();
    },
  );

  app.get(
    "/v1/members",
    {
      schema: {
        tags: ["members"],
        summary: "Members of this workspace",
        querystring: ZIdListQuery,
        response: { 200: z.object({ data: z.array(ZMember), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "members:manage");
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        listMembers(tx, {
          workspaceId: p.workspaceId,
          limit: request.query.limit,
          cursor: request.query.cursor,
        }),
      );
      const emails = await userEmailKeys(ctx.db, ctx.keys);
      const r = page(found, request.query.limit);
      return {
        data: r.data.map((m) => ({
          id: m.id,
          userId: m.userId,
          email: emails.open(m.emailSealed),
          role: ZRole.parse(m.role),
          mfaEnabled: m.mfaEnabled,
          joinedAt: m.createdAt.toISOString(),
        })),
        nextCursor: r.nextCursor,
      };
    },
  );

  app.patch(
    "/v1/members/:userId",
    {
      schema: {
        tags: ["members"],
        summary: "Change a member's role",
        params: ZUserParams,
        body: ZChangeRoleRequest,
        response: { 200: z.object({ userId: z.string(), role: ZRole }) },
      },
    },
    async (request) => {
      const p = authorize(request, "members:manage");
      return withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        changeMemberRole(tx, {
          workspaceId: p.workspaceId,
          userId: request.params.userId,
          role: request.body.role,
          actor: actorOf(p),
          actorRole: roleOf(p),
          requestId: String(request.id),
        }),
      );
    },
  );

  app.delete(
    "/v1/members/:userId",
    { schema: { tags: ["members"], summary: "Remove a member (never the last owner)", params: ZUserParams } },
    async (request, reply) => {
      const p = authorize(request, "members:manage");
      await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        removeMember(tx, {
          workspaceId: p.workspaceId,
          userId: request.params.userId,
          actor: actorOf(p),
          actorRole: roleOf(p),
          requestId: String(request.id),
        }),
      );
      return reply.status(204).send();
    },
  );
}
