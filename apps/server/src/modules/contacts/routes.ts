import { z } from "zod";
import type { TAppContext } from "../../core/context.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { notFound } from "../../core/errors.js";
import { runIdempotent } from "../../core/idempotency.js";
import { isId } from "../../core/ids.js";
import { page } from "../../core/pagination.js";
import { actorOf, authorize } from "../../http/auth.js";
import type { TApp } from "../../http/types.js";
import { addContactIdentity } from "./add-contact-identity.js";
import { createContact } from "./create-contact.js";
import { getContact } from "./get-contact.js";
import { listContacts } from "./list-contacts.js";
import { nameRequestField } from "./name-request-field.js";
import { presentContact, type TContactJson, ZContact } from "./presenters.js";
import { requestedIdentities } from "./requested-identities.js";
import { resolveContactByAddress } from "./resolve-contact-by-address.js";
import {
  ZContactParams,
  ZContactsQuery,
  ZCreateContactRequest,
  ZIdentityInput,
  ZUpdateContactRequest,
} from "./routes.schema.js";
import { updateContact } from "./update-contact.js";

const ZIdempotency = z.object({ "idempotency-key": z.string().optional() });

/** Contacts: create, look up by address, read, change, add identities. Addresses are shown decrypted. */
export function contactRoutes(app: TApp, ctx: TAppContext): void {
  app.post(
    "/v1/contacts",
    {
      schema: {
        tags: ["contacts"],
        summary: "Create a contact from a phone, an email and/or channel identities",
        body: ZCreateContactRequest,
        headers: ZIdempotency,
        response: { 201: ZContact },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "contacts:write");
      const b = request.body;
      const { identities, fields } = requestedIdentities(b);
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys,
        key: request.headers["idempotency-key"],
        route: "POST /v1/contacts",
        payload: b,
        run: async (tx) => {
          const contact = await createContact(tx, keys, {
            workspaceId: p.workspaceId,
            identities,
            displayName: b.displayName ?? b.name,
            locale: b.locale,
            timeZone: b.timeZone,
            minor: b.minor,
            birthDate: b.birthDate,
            actor: actorOf(p),
            requestId: String(request.id),
            now: ctx.clock(),
          }).catch((error: unknown) => {
            throw nameRequestField(error, fields);
          });
          return { statusCode: 201, body: presentContact(contact) };
        },
      });
      return reply.status(201).send(result.body as TContactJson);
    },
  );

  app.get(
    "/v1/contacts",
    {
      schema: {
        tags: ["contacts"],
        summary: "List contacts, or find the one behind ?channel=&address=",
        querystring: ZContactsQuery,
        response: { 200: z.object({ data: z.array(ZContact), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const p = authorize(request, "contacts:read");
      const q = request.query;
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const found = await withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        if (q.address === undefined || q.channel === undefined)
          return listContacts(tx, keys, { workspaceId: p.workspaceId, limit: q.limit, cursor: q.cursor });
        const hit = await resolveContactByAddress(tx, keys, {
          workspaceId: p.workspaceId,
          channel: q.channel,
          address: q.address,
          create: false,
        });
        const contact = hit
          ? await getContact(tx, keys, { workspaceId: p.workspaceId, contactId: hit.contactId })
          : undefined;
        return contact ? [contact] : [];
      });
      const result = page(found, q.limit);
      return { data: result.data.map(presentContact), nextCursor: result.nextCursor };
    },
  );

  app.get(
    "/v1/contacts/:id",
    {
      schema: {
        tags: ["contacts"],
        summary: "Get a contact",
        params: ZContactParams,
        response: { 200: ZContact },
      },
    },
    async (request) => {
      const p = authorize(request, "contacts:read");
      if (!isId("ctc", request.params.id)) throw notFound("contact");
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const contact = await withWorkspaceTx(ctx.db, p.workspaceId, (tx) =>
        getContact(tx, keys, { workspaceId: p.workspaceId, contactId: request.params.id }),
      );
      if (!contact) throw notFound("contact");
      return presentContact(contact);
    },
  );

  app.patch(
    "/v1/contacts/:id",
    {
      schema: {
        tags: ["contacts"],
        summary: "Change a contact's profile, age, time zone or restriction (GDPR Art. 18)",
        params: ZContactParams,
        body: ZUpdateContactRequest,
        response: { 200: ZContact },
      },
    },
    async (request) => {
      const p = authorize(request, "contacts:write");
      // Restricting processing, or lifting a restriction, is a data-subject request: privacy staff only.
      if (request.body.restricted !== undefined) authorize(request, "privacy:admin");
      if (!isId("ctc", request.params.id)) throw notFound("contact");
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const contact = await withWorkspaceTx(ctx.db, p.workspaceId, async (tx) => {
        await updateContact(tx, keys, {
          workspaceId: p.workspaceId,
          contactId: request.params.id,
          changes: request.body,
          actor: actorOf(p),
          requestId: String(request.id),
          now: ctx.clock(),
        });
        return getContact(tx, keys, { workspaceId: p.workspaceId, contactId: request.params.id });
      });
      if (!contact) throw notFound("contact");
      return presentContact(contact);
    },
  );

  app.post(
    "/v1/contacts/:id/identities",
    {
      schema: {
        tags: ["contacts"],
        summary: "Add a channel address to a contact",
        params: ZContactParams,
        body: ZIdentityInput,
        headers: ZIdempotency,
        response: { 200: ZContact, 201: ZContact },
      },
    },
    async (request, reply) => {
      const p = authorize(request, "contacts:write");
      if (!isId("ctc", request.params.id)) throw notFound("contact");
      const keys = await ctx.keys.forWorkspace(ctx.db, p.workspaceId);
      const result = await runIdempotent({
        db: ctx.db,
        workspaceId: p.workspaceId,
        keys,
        key: request.headers["idempotency-key"],
        route: `POST /v1/contacts/${request.params.id}/identities`,
        payload: request.body,
        run: async (tx) => {
          const added = await addContactIdentity(tx, keys, {
            workspaceId: p.workspaceId,
            contactId: request.params.id,
            ...request.body,
            actor: actorOf(p),
            requestId: String(request.id),
            now: ctx.clock(),
          });
          const contact = await getContact(tx, keys, {
            workspaceId: p.workspaceId,
            contactId: request.params.id,
          });
          if (!contact) throw notFound("contact");
          return { statusCode: added.added ? 201 : 200, body: presentContact(contact) };
        },
      });
      return reply.status(result.statusCode === 201 ? 201 : 200).send(result.body as TContactJson);
    },
  );
}
