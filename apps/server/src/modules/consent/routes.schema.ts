import { z } from "zod";
import { ZListQuery } from "../../core/pagination.js";
import { ZContactChannel } from "../contacts/index.js";
import { confirmationMethods, grantMethods, ZBasis, ZCategory } from "./consent.types.js";
import { MIN_YEAR, supportedYear } from "./supported-year.js";

/** A public id: anything else cannot name a row, and is refused before SQL sees it. */
const ZId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "not an id");
const noNul = (v: string) => !v.includes("\u0000");
/** Free text kept exactly as given: Postgres text and jsonb cannot hold NUL characters. */
const ZText = (max: number) => z.string().max(max).refine(noNul, "must not contain NUL characters");
/** A short, non-empty label (trimmed). */
const ZLabel = (max: number) =>
  z.string().trim().min(1).max(max).refine(noNul, "must not contain NUL characters");
/** An ISO 8601 date-time with its offset, from MIN_YEAR on (a 400 naming the field otherwise). */
const ZIso = z.iso
  .datetime({ offset: true })
  .refine(supportedYear, `must be a date-time from the year ${MIN_YEAR} on`);
const ZChannels = z.array(ZContactChannel).min(1).max(7);

export const ZGrantEvidenceInput = z
  .object({
    method: z.enum(grantMethods),
    source: ZLabel(500),
    wording: ZText(5000).optional(),
    wordingVersion: ZText(100).optional(),
    channel: ZContactChannel.optional(),
    messageId: ZText(100).optional(),
    pageUrl: z.url().max(2000).optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    userAgent: ZText(1000).optional(),
    confirmationRef: ZText(200)
      .optional()
      .describe(
        "A reference to the person's confirmation (a double opt-in reply, a signed form, a ticket). With method double_opt_in, paper or import it may stand in for the wording.",
      ),
  })
  .strict();

/** Fields of `POST /v1/consents` that only a grant takes. */
const grantOnly = ["contact", "basis", "effectiveAt", "expiresAt", "implied", "doubleOptIn"] as const;

export const ZRecordConsentRequest = z
  .object({
    /** The contact, by id or by an address (created when new, as a sign-up form would). */
    contactId: ZId.optional(),
    contact: z
      .object({ channel: ZContactChannel, address: z.string().min(1).max(256) })
      .strict()
      .optional(),
    brandId: ZId,
    campaignId: ZId.optional(),
    /**
     * A grant's category defaults to its campaign's, else marketing; for a revoke it narrows the grants
     * withdrawn to this category.
     */
    category: ZCategory.optional().describe(
      "grant: the category (default: the campaign's, else marketing); revoke: only grants of this category (default all)",
    ),
    channels: ZChannels,
    basis: ZBasis.optional().describe("grant only; default consent"),
    evidence: ZGrantEvidenceInput,
    effectiveAt: ZIso.optional(),
    expiresAt: ZIso.optional(),
    implied: z.enum(["purchase", "inquiry"]).optional(),
    doubleOptIn: z
      .object({ windowHours: z.number().int().min(1).max(720).default(48) })
      .strict()
      .optional(),
    action: z
      .enum(["grant", "revoke"])
      .optional()
      .describe(
        "grant (default) records a consent; revoke withdraws the contact's grants in this scope (brand, or campaign, covering any of the channels)",
      ),
  })
  .strict()
  .superRefine((b, c) => {
    if (b.action === "revoke") {
      for (const field of grantOnly) {
        if (b[field] !== undefined)
          c.addIssue({ code: "custom", message: `${field} applies to a grant, not a revoke`, path: [field] });
      }
      if (b.contactId === undefined && b.contact === undefined)
        c.addIssue({
          code: "custom",
          message: "a revoke names the contact by contactId",
          path: ["contactId"],
        });
      return;
    }
    if ((b.contactId === undefined) === (b.contact === undefined))
      c.addIssue({ code: "custom", message: "give contactId or contact, not both", path: ["contactId"] });
    const e = b.evidence;
    const confirmed = confirmationMethods.includes(e.method) && (e.confirmationRef?.trim().length ?? 0) > 0;
    if ((b.basis ?? "consent") === "consent" && !confirmed && (e.wording?.trim().length ?? 0) === 0)
      c.addIssue({
        code: "custom",
        message:
          "the exact wording shown is required for consent (or, for double_opt_in, paper and import, a confirmationRef)",
        path: ["evidence", "wording"],
      });
  });
export type TRecordConsentRequest = z.infer<typeof ZRecordConsentRequest>;

export const ZConfirmRequest = z
  .object({
    /** Recorded as the confirmation's method: an authenticated caller confirming is `api` unless it says `link`. */
    method: z.enum(["link", "api"]).default("api"),
    channel: ZContactChannel.optional(),
    messageId: ZText(100).optional(),
  })
  .strict();

export const ZWithdrawRequest = z
  .object({
    channel: ZContactChannel.optional(),
    messageId: ZText(100).optional(),
  })
  .strict();

export const ZOptOutRequest = z
  .object({
    brandId: ZId,
    scope: z.enum(["all", "marketing"]).default("all"),
    channel: ZContactChannel,
    messageId: ZText(100).optional(),
  })
  .strict();

export const ZOptInRequest = z
  .object({
    brandId: ZId,
    channel: ZContactChannel,
    /** Which opt-out to lift; absent: the opt-out from everything if there is one, else the marketing one. */
    scope: z.enum(["all", "marketing"]).optional(),
    method: z.enum(["api", "button", "keyword"]).default("api"),
    /** How the person asked to be messaged again (a support ticket, the preference centre, a reply). */
    source: ZLabel(500),
    messageId: ZText(100).optional(),
  })
  .strict();

export const ZDecisionRequest = z
  .object({
    contactId: ZId.optional(),
    /** An address on `channel`, instead of contactId (never creates a contact). */
    address: z.string().min(1).max(256).optional(),
    brandId: ZId,
    campaignId: ZId.optional(),
    channel: ZContactChannel,
    category: ZCategory,
    at: ZIso.optional(),
  })
  .strict()
  .refine((b) => (b.contactId === undefined) !== (b.address === undefined), {
    message: "give contactId or address, not both",
    path: ["contactId"],
  });

/** `POST /v1/consent/check`: would this send be allowed now (or at `at`)? */
export const ZCheckRequest = z
  .object({
    contactId: ZId.optional(),
    /** An address on `channel`, instead of contactId (never creates a contact). */
    to: z.string().min(1).max(256).optional(),
    brandId: ZId,
    campaignId: ZId.optional(),
    channel: ZContactChannel,
    /** Defaults to the campaign's category, else marketing. */
    category: ZCategory.optional(),
    at: ZIso.optional(),
  })
  .strict()
  .refine((b) => (b.contactId === undefined) !== (b.to === undefined), {
    message: "give contactId or to, not both",
    path: ["contactId"],
  });

export const ZBrandFilter = z.object({ brandId: ZId.optional() });
export const ZLedgerQuery = ZListQuery.extend({
  brandId: ZId.optional(),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "not a cursor")
    .optional(),
});
export const ZIdParams = z.object({ id: ZId });
export const ZProofDocumentQuery = ZBrandFilter.extend({
  format: z.enum(["json", "csv", "html"]).default("json"),
  /** Add the decision recorded with this message of the contact. */
  messageId: ZId.optional(),
  /** Addresses, IP and user agent too (privacy:admin only). */
  includeIdentifiers: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true"),
});

export const ZCreateCampaignRequest = z
  .object({
    brandId: ZId,
    name: ZLabel(200),
    category: ZCategory,
    channels: ZChannels,
  })
  .strict();
export const ZCampaignsQuery = ZListQuery.extend({ brandId: ZId.optional(), cursor: ZId.optional() });

export const ZImportRequest = z
  .object({
    brandId: ZId,
    records: z
      .array(
        z
          .object({
            channel: ZContactChannel,
            address: z.string().min(1).max(256),
            /** When the person gave the consent: required for grants (evidence), ignored for opt-outs. */
            effectiveAt: ZIso.optional(),
            method: z.enum(grantMethods).optional(),
            source: ZLabel(500).optional(),
            wording: ZText(5000).optional(),
            wordingVersion: ZText(100).optional(),
            confirmationRef: ZText(200).optional(),
            pageUrl: z.url().max(2000).optional(),
            ip: z.union([z.ipv4(), z.ipv6()]).optional(),
            userAgent: ZText(1000).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
    grant: z
      .object({
        campaignId: ZId.optional(),
        /** Default: the campaign's category, else marketing. */
        category: ZCategory.optional(),
        channels: ZChannels.optional(),
        basis: ZBasis.default("consent"),
        /** Evidence shared by every record (each record may give its own). */
        method: z.enum(grantMethods).optional(),
        source: ZLabel(500).optional(),
        wording: ZText(5000).optional(),
        wordingVersion: ZText(100).optional(),
        implied: z.enum(["purchase", "inquiry"]).optional(),
        expiresAt: ZIso.optional(),
      })
      .strict()
      .optional(),
    optOut: z
      .object({
        scope: z.enum(["all", "marketing"]).default("all"),
        source: ZLabel(500),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => (b.grant === undefined) !== (b.optOut === undefined), {
    message: "import either grants or opt-outs",
    path: ["grant"],
  });
