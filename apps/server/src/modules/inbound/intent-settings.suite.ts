import { beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../../../test/server.js";
import { withWorkspaceTx } from "../../core/db/tx.js";
import { createApiKey } from "../auth/index.js";
import { confirmationText } from "../intent/index.js";
import { readIntentSettings } from "./intent-settings.schema.js";
import { ledger, replies, type TInboundServer, type TInboundWorld } from "./testing/inbound-fixture.js";

let s: TInboundServer;
let w: TInboundWorld;

const url = () => `/v1/brands/${w.ws.brandId}/intent-settings`;
const put = (payload: unknown, key = w.ws.apiKey) =>
  s.app.inject({
    method: "PUT",
    url: url(),
    headers: bearer(key),
    payload: payload as Record<string, unknown>,
  });
const get = () => s.app.inject({ method: "GET", url: url(), headers: bearer(w.ws.apiKey) });
const simulate = (from: string, body: string) =>
  s.app.inject({
    method: "POST",
    url: "/v1/sandbox/inbound",
    headers: bearer(w.ws.apiKey),
    payload: { brandId: w.ws.brandId, from, body },
  });

/** Registered by inbound.test.ts, which owns the server (one database for all suites). */
export function intentSettingsSuite(server: () => TInboundServer): void {
  describe("intent settings", () => {
    beforeAll(async () => {
      s = server();
      w = await s.world("Acme");
    });
    describe("per-brand intent settings", () => {
      it("starts from the defaults, with the legal keywords listed read-only", async () => {
        const r = await get();
        expect(r.statusCode).toBe(200);
        expect(r.json()).toMatchObject({
          brandId: w.ws.brandId,
          customKeywords: [],
          confirmationTexts: {},
          helpText: null,
          uncertainPolicy: "suppress",
          clarifyTimeoutHours: 24,
          optOutReplyWindowHours: 24,
        });
        expect(r.json().legalDefaultKeywords).toEqual(
          expect.arrayContaining([
            "STOP",
            "UNSUBSCRIBE",
            "CANCEL",
            "END",
            "QUIT",
            "REVOKE",
            "OPTOUT",
            "STOPALL",
          ]),
        );
      });

      it("stores custom keywords, reply texts per language and the help text, and the inbound path uses them", async () => {
        const r = await put({
          customKeywords: [
            { keyword: "Pineapple", intent: "opt_out" },
            { keyword: "GIMME", intent: "opt_in", language: "EN" },
          ],
          confirmationTexts: {
            opt_out: { fr: "C'est noté : {brand} ne vous écrira plus.", "*": "{brand}: you are out." },
          },
          helpText:
            "{brand} support: help@acme.test, 1-800-555-0100. Msg&data rates may apply. Reply STOP to stop.",
        });
        expect(r.statusCode).toBe(200);
        expect(r.json()).toMatchObject({
          customKeywords: [
            { keyword: "Pineapple", intent: "opt_out" },
            { keyword: "GIMME", intent: "opt_in", language: "en" },
          ],
          helpText: { "*": expect.stringContaining("help@acme.test") },
          uncertainPolicy: "suppress",
        });
        expect((await get()).json()).toEqual(r.json());

        const pineapple = await simulate("+15550200001", "pineapple!");
        expect(pineapple.json()).toMatchObject({ action: "opted_out", intent: { source: "custom_keyword" } });
        const contactId = pineapple.json().contactId;
        expect((await ledger(s, contactId)).filter((e) => e.kind === "opt_out")).toMatchObject([
          { method: "keyword" },
        ]);
        expect((await replies(s, w, contactId))[0]?.body).toBe("Acme brand: you are out.");

        const arret = await simulate("+33612370001", "ARRET");
        expect((await replies(s, w, arret.json().contactId))[0]?.body).toBe(
          "C'est noté : Acme brand ne vous écrira plus.",
        );

        const help = await simulate("+15550200002", "HELP");
        expect((await replies(s, w, help.json().contactId))[0]?.body).toBe(
          "Acme brand support: help@acme.test, 1-800-555-0100. Msg&data rates may apply. Reply STOP to stop.",
        );
        // Kinds the brand did not word keep Assent's defaults.
        await simulate("+15550200001", "START");
        expect((await replies(s, w, contactId)).at(-1)?.body).toBe(
          confirmationText("opt_in", "en", "Acme brand"),
        );
      });

      it("never lets a brand remove or repurpose a legal opt-out keyword", async () => {
        const before = (await get()).json();
        const r = await put({ customKeywords: [{ keyword: "stop", intent: "opt_in" }] });
        expect(r.statusCode).toBe(400);
        expect(r.json().error).toMatchObject({
          code: "validation_failed",
          field: "customKeywords[0].intent",
        });
        const spaced = await put({ customKeywords: [{ keyword: "Opt-Out", intent: "help" }] });
        expect(spaced.statusCode).toBe(400);
        expect((await get()).json()).toEqual(before);
        // Mapping a legal keyword to opt_out is allowed (and changes nothing).
        expect((await put({ customKeywords: [{ keyword: "STOP", intent: "opt_out" }] })).statusCode).toBe(
          200,
        );
        const stop = await simulate("+15550200003", "STOP");
        expect(stop.json()).toMatchObject({ action: "opted_out" });
      });

      it("names the field at fault", async () => {
        const cases: [unknown, string][] = [
          [{ uncertainPolicy: "ask" }, "uncertainPolicy"],
          [{ clarifyTimeoutHours: 0 }, "clarifyTimeoutHours"],
          [{ customKeywords: [{ keyword: "", intent: "opt_out" }] }, "customKeywords[0].keyword"],
          [{ customKeywords: [{ keyword: "x", intent: "none" }] }, "customKeywords[0].intent"],
          [
            { customKeywords: [{ keyword: "x", intent: "opt_out", country: "USA" }] },
            "customKeywords[0].country",
          ],
          [{ confirmationTexts: { opt_out: { english: "x" } } }, "confirmationTexts.opt_out"],
          [{ confirmationTexts: { opt_out: { en: "" } } }, "confirmationTexts.opt_out.en"],
          [{ confirmationTexts: { spam: { en: "x" } } }, "confirmationTexts"],
          [{ helpText: "x".repeat(641) }, "helpText"],
          [{ color: "red" }, "body"],
        ];
        for (const [payload, field] of cases) {
          const r = await put(payload);
          expect(r.statusCode, JSON.stringify(payload)).toBe(400);
          expect(r.json().error.code).toBe("validation_failed");
          expect(r.json().error.field, JSON.stringify(payload)).toContain(
            field === "body" ? "" : field.split(".")[0],
          );
        }
      });

      it("is 404 for a brand of another workspace and needs brands:write to change", async () => {
        const other = await s.world("Other");
        const foreign = await s.app.inject({
          method: "GET",
          url: `/v1/brands/${other.ws.brandId}/intent-settings`,
          headers: bearer(w.ws.apiKey),
        });
        expect(foreign.statusCode).toBe(404);
        const foreignPut = await s.app.inject({
          method: "PUT",
          url: `/v1/brands/${other.ws.brandId}/intent-settings`,
          headers: bearer(w.ws.apiKey),
          payload: {},
        });
        expect(foreignPut.statusCode).toBe(404);
        const readOnly = await withWorkspaceTx(s.ctx.db, w.ws.workspaceId, (tx) =>
          createApiKey(tx, {
            workspaceId: w.ws.workspaceId,
            name: "ro",
            scopes: ["brands:read"],
            actor: { type: "system", id: null },
          }),
        );
        expect((await put({}, readOnly.key)).statusCode).toBe(403);
        expect(
          (await s.app.inject({ method: "GET", url: url(), headers: bearer(readOnly.key) })).statusCode,
        ).toBe(200);
      });

      it("documents every inbound route in the OpenAPI description", async () => {
        const r = await s.app.inject({ method: "GET", url: "/openapi.json" });
        expect(r.statusCode).toBe(200);
        const paths = Object.keys(r.json().paths);
        for (const p of [
          "/webhooks/{channelAccountId}",
          "/v1/brands/{id}/intent-settings",
          "/v1/sandbox/inbound",
          "/v1/sandbox/outbox",
        ]) {
          expect(paths).toContain(p);
        }
      });

      it("reads damaged stored settings field by field, keeping what is valid", () => {
        const read = readIntentSettings({
          customKeywords: [{ keyword: "ok", intent: "opt_out" }, { keyword: "stop", intent: "opt_in" }, 42],
          uncertainPolicy: "whatever",
          clarifyTimeoutHours: 6,
          helpText: "Call us",
        });
        expect(read).toEqual({
          customKeywords: [{ keyword: "ok", intent: "opt_out" }],
          confirmationTexts: {},
          helpText: { "*": "Call us" },
          uncertainPolicy: "suppress",
          clarifyTimeoutHours: 6,
        });
        expect(readIntentSettings(null).uncertainPolicy).toBe("suppress");
        expect(readIntentSettings("nonsense").customKeywords).toEqual([]);
      });
    });
  });
}
