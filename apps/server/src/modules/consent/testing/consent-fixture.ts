import type { TTestServer } from "../../../../test/server.js";
import type { TActor } from "../../../core/audit.js";
import { type TTx, withWorkspaceTx } from "../../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../../core/keyring.js";
import { resolveContactByAddress, type TContactChannel } from "../../contacts/index.js";
import { createBrand } from "../../workspaces/index.js";
import type { TCategory, TDecision } from "../consent.types.js";
import { decide } from "../decide.js";
import { recordConsent, type TRecordConsentOptions } from "../record-consent.js";

export const api: TActor = { type: "api_key", id: "key_test" };

/** A workspace with two brands and helpers that run consent operations in workspace transactions. */
export async function consentFixture(s: TTestServer) {
  const ws = await s.workspace();
  const keys: TWorkspaceKeys = await s.ctx.keys.forWorkspace(s.ctx.db, ws.workspaceId);
  const workspaceId = ws.workspaceId;
  const brandA = ws.brandId;
  const brandB = await withWorkspaceTx(s.ctx.db, workspaceId, (tx) =>
    createBrand(tx, { workspaceId, name: "Other brand", actor: api }),
  );
  const tx = <T>(fn: (t: TTx) => Promise<T>) => withWorkspaceTx(s.ctx.db, workspaceId, fn);
  let n = 0;
  return {
    ws,
    keys,
    workspaceId,
    brandA,
    brandB: brandB.id,
    tx,
    /** A new contact on a channel (US numbers get a time zone so quiet hours stay predictable). */
    async contact(channel: TContactChannel = "sms", address?: string): Promise<string> {
      n += 1;
      const r = await tx((t) =>
        resolveContactByAddress(t, keys, {
          workspaceId,
          channel,
          address: address ?? `+3361234${String(n).padStart(4, "0")}`,
          create: true,
        }),
      );
      if (!r) throw new Error("no contact");
      return r.contactId;
    },
    grant(contactId: string, o: Partial<TRecordConsentOptions> = {}) {
      return tx((t) =>
        recordConsent(t, keys, {
          workspaceId,
          contactId,
          brandId: brandA,
          category: "marketing",
          channels: ["sms"],
          evidence: {
            method: "web_form",
            source: "signup form",
            wording: "Yes, text me offers from Acme. Reply STOP to stop.",
          },
          actor: api,
          ...o,
        }),
      );
    },
    decide(
      contactId: string,
      o: {
        brandId?: string;
        channel?: TContactChannel;
        category?: TCategory;
        campaignId?: string | null;
        at?: Date;
      } = {},
    ): Promise<TDecision> {
      return tx((t) =>
        decide(
          t,
          {
            workspaceId,
            contactId,
            brandId: o.brandId ?? brandA,
            campaignId: o.campaignId ?? null,
            channel: o.channel ?? "sms",
            category: o.category ?? "marketing",
            at: o.at ?? new Date(),
          },
          { lock: "share" },
        ),
      );
    },
  };
}
