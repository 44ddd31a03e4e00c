import { z } from "zod";
import { contentRules, tagChannels } from "./content-rules.js";
import { categories, messageChannels, messageStatuses, messageTags } from "./messaging.types.js";

/** A public id: anything else cannot name a row, and is refused (400 naming the field) before SQL sees it. */
export const ZId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "not an id");

export const ZMediaItem = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  contentType: z.string().min(1).max(200).optional(),
  caption: z.string().max(1024).optional(),
});

export const ZTemplate = z.strictObject({
  name: z.string().min(1).max(512),
  language: z.string().min(2).max(20),
  components: z
    .array(z.looseObject({ type: z.string().min(1).max(50) }))
    .max(20)
    .optional(),
  variables: z.record(z.string().max(50), z.string().max(1024)).optional(),
});

const ZMetadata = z
  .record(z.string().min(1).max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 20, "at most 20 keys");

/** `POST /v1/messages`. Exactly one of `to` / `contactId`; at least one of `body` / `media` / `template`. */
export const ZSendMessageRequest = z
  .strictObject({
    to: z.string().min(1).max(256).optional(),
    contactId: ZId.optional(),
    channel: z.enum(messageChannels),
    brandId: ZId,
    campaignId: ZId.optional(),
    category: z.enum(categories).optional(),
    channelAccountId: ZId.optional(),
    body: z.string().min(1).max(4096).optional(),
    media: z.array(ZMediaItem).min(1).max(10).optional(),
    template: ZTemplate.optional(),
    scheduledAt: z.iso.datetime({ offset: true }).optional(),
    metadata: ZMetadata.optional(),
    /** Instagram only: `human_agent` sends with the HUMAN_AGENT tag (7-day window for a human's reply). */
    tag: z.enum(messageTags).optional(),
  })
  .superRefine((m, issue) => {
    if ((m.to === undefined) === (m.contactId === undefined)) {
      issue.addIssue({
        code: "custom",
        path: [m.to === undefined ? "to" : "contactId"],
        message: "give exactly one of to and contactId",
      });
    }
    if (m.body === undefined && m.media === undefined && m.template === undefined) {
      issue.addIssue({
        code: "custom",
        path: ["body"],
        message: "a message needs a body, media or a template",
      });
    }
    const rules = contentRules[m.channel];
    if (m.body !== undefined && m.body.length > rules.maxBody) {
      issue.addIssue({
        code: "custom",
        path: ["body"],
        message: `at most ${rules.maxBody} characters on ${m.channel}`,
      });
    }
    if (m.media !== undefined && m.media.length > rules.maxMedia) {
      issue.addIssue({
        code: "custom",
        path: ["media"],
        message: `at most ${rules.maxMedia} media items on ${m.channel}`,
      });
    }
    if (m.template !== undefined && !rules.templates) {
      issue.addIssue({
        code: "custom",
        path: ["template"],
        message: `templates are not sent on ${m.channel}`,
      });
    }
    if (m.template !== undefined && (m.body !== undefined || m.media !== undefined)) {
      issue.addIssue({
        code: "custom",
        path: ["template"],
        message: "a template message carries no body or media",
      });
    }
    if (m.tag !== undefined && tagChannels[m.tag] !== m.channel) {
      issue.addIssue({
        code: "custom",
        path: ["tag"],
        message: `the ${m.tag} tag is only sent on ${tagChannels[m.tag]}`,
      });
    }
    if (m.scheduledAt !== undefined) {
      const at = Date.parse(m.scheduledAt);
      if (!(at < Date.now() + 366 * 24 * 3600 * 1000)) {
        issue.addIssue({ code: "custom", path: ["scheduledAt"], message: "at most one year ahead" });
      }
    }
  });
export type TSendMessageRequest = z.infer<typeof ZSendMessageRequest>;

export const ZSendMessageResponse = z.object({
  id: z.string(),
  status: z.enum(messageStatuses),
  reason: z.string().optional(),
  notBefore: z.string().optional(),
  contactId: z.string(),
  channelAccountId: z.string(),
});
export type TSendMessageResponse = z.infer<typeof ZSendMessageResponse>;
