import { sql } from "drizzle-orm";
import { recordAudit } from "../../core/audit.js";
import { rows, type TTx } from "../../core/db/tx.js";
import { newId } from "../../core/ids.js";
import { encryptField } from "../../core/keyring.js";
import type { TNormalizedEvent } from "../channels/index.js";
import { normalizeAddress, resolveContactByAddress } from "../contacts/index.js";
import type { TIntentResult } from "../intent/index.js";
import { enqueueComplianceReply, touchCustomerWindow } from "../messaging/index.js";
import { emitWebhookEvents } from "../webhooks/index.js";
import { applyOptIn } from "./apply-opt-in.js";
import { applyOptOut } from "./apply-opt-out.js";
import { clarifyAnswer } from "./clarify-answer.js";
import { classifyInbound } from "./classify-inbound.js";
import { inboundMessageIndex } from "./dedupe-indexes.js";
import type {
  TEffects,
  TInboundAction,
  TInboundContext,
  TInboundOutcome,
  TIntentSummary,
} from "./inbound.types.js";
import { linkWhatsAppNames } from "./link-whatsapp-names.js";
import { lockWhatsAppNames } from "./lock-whatsapp-names.js";
import { pgText } from "./pg-text.js";
import { replyText } from "./reply-text.js";
import { senderAddress } from "./sender-address.js";

type TInboundMessageEvent = Extract<TNormalizedEvent, { kind: "inbound_message" }>;

interface TActed {
  action: TInboundAction;
  ledgerEntryId: string | null;
  replyMessageId: string | null;
  suppressed: number;
}

function summary(result: TIntentResult): TIntentSummary {
  return {
    intent: result.intent,
    confidence: result.confidence,
    language: result.language,
    source: result.evidence.source,
    ...(result.evidence.matched ? { matched: result.evidence.matched } : {}),
    uncertain: result.uncertain,
  };
}

/**
 * One inbound message, in the caller's transaction: de-duplicate on the provider message id, resolve
 * (or create) the contact, classify, open the customer-service window, act on the intent (opt-out,
 * opt-in, help, clarifying question), store the message sealed, then the customer webhooks and the
 * audit record. A concurrent duplicate fails the final insert (23505) and rolls the whole event back.
 * `preclassified` is the external model's upgrade, asked before this transaction opened.
 */
export async function handleInboundMessage(
  tx: TTx,
  c: TInboundContext,
  event: TInboundMessageEvent,
  preclassified?: TIntentResult,
): Promise<TInboundOutcome> {
  const { account } = c;
  const { workspaceId } = account;
  // The provider's dedupe key (Telegram: the chat and message ids, and the Business connection's), found
  // by its keyed hash; a message stored before migration 0353 and not yet converted, by the key itself.
  const earlier = await findEarlier(tx, c, event.dedupeKey);
  if (earlier) return earlier;
  const address = senderAddress(event.from);
  const normalised = normalizeAddress(account.channel, address, "from");
  // A number and a user id: both address locks first, together, in the one order (lockWhatsAppNames).
  if (event.fromUserId !== undefined && normalised.kind === "phone")
    await lockWhatsAppNames(tx, c, { phone: normalised.address, userId: event.fromUserId, lock: true });
  const contact = await resolveContactByAddress(tx, c.keys, {
    workspaceId,
    channel: account.channel,
    address,
    create: true,
    field: "from",
    actor: c.actor,
    ...(event.profileName ? { profileName: event.profileName } : {}),
    ...(c.requestId ? { requestId: c.requestId } : {}),
  });
  if (!contact) throw new Error("contact resolution with create returned nothing");
  // The user id seen beside the number is kept on its contact; one kept on another contact makes the two
  // one person to consent: opt-outs held by either apply to both before this message is acted on (carried
  // by linkWhatsAppNames, both consent heads locked in id order), and one this message records reaches
  // both through the stored link (consent's recordOptOut).
  if (event.fromUserId !== undefined && normalised.kind === "phone")
    await linkWhatsAppNames(tx, c, { phone: normalised.address, userId: event.fromUserId });
  const brand = await c.brand(tx);
  const { result, button } = classifyInbound({
    body: event.body,
    buttonPayload: event.buttonPayload,
    channel: account.channel,
    countryHint: normalised.country ?? undefined,
    customKeywords: brand.settings.customKeywords,
    preclassified,
    providerOptOutType: event.providerOptOutType,
  });
  const id = newId("inb");
  const at = c.clock();
  const effects: TEffects = { webhooks: [], audits: [] };
  await touchCustomerWindow(tx, {
    workspaceId,
    contactId: contact.contactId,
    channelAccountId: account.id,
    at: event.receivedAt,
    // Telegram Business: replies go back through the connection the customer wrote on.
    businessConnectionId: event.businessConnectionId ?? null,
  });
  await reachableAgain(tx, c, contact.contactId, event.receivedAt);
  const acted = await act(tx, c, { id, contactId: contact.contactId, event, result, button, at, effects });
  await insertInbound(tx, c, { id, contactId: contact.contactId, event, result, acted, at });
  effects.webhooks.unshift({
    workspaceId,
    type: "message.inbound",
    at,
    data: {
      id,
      brandId: account.brandId,
      channelAccountId: account.id,
      channel: account.channel,
      contactId: contact.contactId,
      from: contact.address,
      body: event.body,
      ...(event.media ? { media: event.media } : {}),
      receivedAt: event.receivedAt.toISOString(),
      intent: result.intent,
      intentConfidence: result.confidence,
      language: result.language,
      action: acted.action,
    },
  });
  effects.audits.push({
    workspaceId,
    actor: c.actor,
    action: "inbound.received",
    targetType: "inbound_message",
    targetId: id,
    requestId: c.requestId,
    at,
    details: {
      channel: account.channel,
      intent: result.intent,
      uncertain: result.uncertain,
      action: acted.action,
    },
  });
  await emitWebhookEvents(tx, effects.webhooks);
  await recordAudit(tx, effects.audits);
  return {
    kind: "message",
    duplicate: false,
    inboundMessageId: id,
    contactId: contact.contactId,
    intent: summary(result),
    action: acted.action,
    ledgerEntryId: acted.ledgerEntryId,
    replyMessageId: acted.replyMessageId,
    suppressed: acted.suppressed,
  };
}

/**
 * A person who writes to us through this account can be reached through it again: a Telegram user who
 * blocked the bot, or was refused ("bot can't initiate conversation", Instagram 551), has unblocked it or
 * started the chat. Unless a newer refusal was recorded (providers deliver out of order). Nothing is
 * written for a contact that was never unreachable.
 */
async function reachableAgain(
  tx: TTx,
  c: TInboundContext,
  contactId: string,
  receivedAt: Date,
): Promise<void> {
  const cleared = await rows<{ contact_id: string }>(
    tx,
    sql`update channel_reachability set unreachable = false, reason = 'inbound_message', changed_at = ${receivedAt},
          updated_at = ${c.clock()}
        where workspace_id = ${c.account.workspaceId} and channel_account_id = ${c.account.id}
          and contact_id = ${contactId} and unreachable and changed_at <= ${receivedAt}
        returning contact_id`,
  );
  if (cleared.length === 0) return;
  await recordAudit(tx, {
    workspaceId: c.account.workspaceId,
    actor: c.actor,
    action: "contact.reachable",
    targetType: "contact",
    targetId: contactId,
    requestId: c.requestId,
    details: { channelAccountId: c.account.id, reason: "inbound_message" },
  });
}

async function findEarlier(
  tx: TTx,
  c: TInboundContext,
  dedupeKey: string,
): Promise<TInboundOutcome | undefined> {
  const found = await rows<{
    id: string;
    contact_id: string;
    intent: TIntentSummary["intent"];
    intent_confidence: number;
    intent_language: string;
    intent_source: string;
    intent_matched: string | null;
    intent_uncertain: boolean;
    action: TInboundAction;
    ledger_entry_id: string | null;
    reply_message_id: string | null;
  }>(
    tx,
    sql`select id, contact_id, intent, intent_confidence, intent_language, intent_source, intent_matched, intent_uncertain,
          action, ledger_entry_id, reply_message_id
        from inbound_messages where workspace_id = ${c.account.workspaceId} and channel_account_id = ${c.account.id}
          and (dedupe_index = ${inboundMessageIndex(c.keys, dedupeKey)} or provider_message_id = ${pgText(dedupeKey)})`,
  );
  const row = found[0];
  if (!row) return undefined;
  return {
    kind: "message",
    duplicate: true,
    inboundMessageId: row.id,
    contactId: row.contact_id,
    intent: {
      intent: row.intent,
      confidence: Number(row.intent_confidence),
      language: row.intent_language,
      source: row.intent_source,
      ...(row.intent_matched ? { matched: row.intent_matched } : {}),
      uncertain: row.intent_uncertain,
    },
    action: row.action,
    ledgerEntryId: row.ledger_entry_id,
    replyMessageId: row.reply_message_id,
    suppressed: 0,
  };
}

async function act(
  tx: TTx,
  c: TInboundContext,
  m: {
    id: string;
    contactId: string;
    event: TInboundMessageEvent;
    result: TIntentResult;
    button: boolean;
    at: Date;
    effects: TEffects;
  },
): Promise<TActed> {
  const { result, event } = m;
  const brand = await c.brand(tx);
  // Twilio's own STOP/START/HELP handling (OptOutType) already answered: a second reply would be one too many.
  const reply = (handledBy: "STOP" | "START" | "HELP") =>
    event.providerOptOutType === handledBy ? null : { inReplyTo: m.id, language: result.language };
  const keyword = result.evidence.source === "keyword" || result.evidence.source === "custom_keyword";
  const evidence = {
    method: m.button ? ("button" as const) : keyword ? ("keyword" as const) : ("natural_language" as const),
    messageId: m.id,
    confidence: result.confidence,
    matched: result.evidence.matched,
    language: result.language,
  };
  const channel = c.account.channel;
  const optOut = async (scope: "all" | "marketing", e: typeof evidence): Promise<TActed> => {
    const done = await applyOptOut(tx, c, {
      contactId: m.contactId,
      channel,
      scope,
      evidence: e,
      reply: reply("STOP"),
      effects: m.effects,
      at: m.at,
      signalAt: event.receivedAt,
    });
    return {
      action: scope === "all" ? "opted_out" : "opted_out_marketing",
      ledgerEntryId: done.ledgerEntryId,
      replyMessageId: done.replyMessageId,
      suppressed: done.suppressed,
    };
  };
  const isOptOut = result.intent === "opt_out" || result.intent === "opt_out_marketing";
  const answer = isOptOut ? undefined : clarifyAnswer(event.body);
  const question =
    answer !== undefined || result.uncertain || result.intent === "opt_in"
      ? await openQuestion(tx, c, m.contactId)
      : undefined;

  // An answer to the open clarifying question ("Do you want to stop our messages?"): yes stops, no keeps.
  if (question && answer === "yes") {
    return optOut(question.scope, { ...evidence, method: "natural_language", confidence: 1, matched: "yes" });
  }
  if (question && answer === "no") {
    await closeQuestion(tx, c, m.contactId);
    return { action: "clarify_kept", ledgerEntryId: null, replyMessageId: null, suppressed: 0 };
  }
  if (result.uncertain && brand.settings.uncertainPolicy === "clarify") {
    if (question)
      return { action: "clarify_pending", ledgerEntryId: null, replyMessageId: null, suppressed: 0 };
    return askOnce(tx, c, m);
  }
  if (isOptOut || result.uncertain)
    return optOut(result.intent === "opt_out_marketing" ? "marketing" : "all", evidence);
  if (result.intent === "opt_in") {
    const done = await applyOptIn(tx, c, {
      contactId: m.contactId,
      channel,
      evidence,
      confirmDoubleOptIn: true,
      reply: reply("START"),
      effects: m.effects,
      at: m.at,
      signalAt: event.receivedAt,
    });
    // A late START (older than the newest signal) changes nothing, not even an open question.
    if (question && !done.stale) await closeQuestion(tx, c, m.contactId);
    const action: TInboundAction = done.resubscribed
      ? "opted_in"
      : done.doubleOptInConfirmed > 0
        ? "double_opt_in_confirmed"
        : question && !done.stale
          ? "clarify_kept"
          : "opt_in_noop";
    return { action, ledgerEntryId: done.ledgerEntryId, replyMessageId: done.replyMessageId, suppressed: 0 };
  }
  if (result.intent === "help") {
    const to = reply("HELP");
    if (!to) return { action: "help", ledgerEntryId: null, replyMessageId: null, suppressed: 0 };
    const sent = await enqueueComplianceReply(tx, c.keys, {
      workspaceId: c.account.workspaceId,
      brandId: c.account.brandId,
      contactId: m.contactId,
      channelAccountId: c.account.id,
      channel,
      kind: "help",
      inReplyTo: m.id,
      at: m.at,
      body: replyText({
        settings: brand.settings,
        kind: "help",
        language: result.language,
        brandName: brand.brandName,
      }),
    });
    return { action: "help", ledgerEntryId: null, replyMessageId: sent.messageId, suppressed: 0 };
  }
  return { action: "none", ledgerEntryId: null, replyMessageId: null, suppressed: 0 };
}

/** The contact's open clarifying question to this brand (locked), if any; one not yet swept still counts. */
async function openQuestion(
  tx: TTx,
  c: TInboundContext,
  contactId: string,
): Promise<{ scope: "all" | "marketing" } | undefined> {
  const open = await rows<{ clarify_scope: "all" | "marketing" | null }>(
    tx,
    sql`select clarify_scope from inbound_contact_state
        where workspace_id = ${c.account.workspaceId} and brand_id = ${c.account.brandId} and contact_id = ${contactId}
          and clarify_expires_at is not null
        for update`,
  );
  const scope = open[0]?.clarify_scope;
  return scope ? { scope } : undefined;
}

/**
 * The "clarify" policy: one clarifying question (47 CFR 64.1200(a)(12) lets the confirmation ask about
 * the scope), nothing suppressed yet. Yes (or STOP) to it is an opt-out, no keeps everything, and no
 * answer before the timeout is an opt-out (expireClarifications).
 */
async function askOnce(
  tx: TTx,
  c: TInboundContext,
  m: { id: string; contactId: string; result: TIntentResult; at: Date; effects: TEffects },
): Promise<TActed> {
  const { workspaceId, brandId } = c.account;
  const brand = await c.brand(tx);
  const scope = m.result.intent === "opt_out_marketing" ? "marketing" : "all";
  const reply = await enqueueComplianceReply(tx, c.keys, {
    workspaceId,
    brandId,
    contactId: m.contactId,
    channelAccountId: c.account.id,
    channel: c.account.channel,
    kind: "clarify",
    inReplyTo: m.id,
    at: m.at,
    body: replyText({
      settings: brand.settings,
      kind: "clarify",
      language: m.result.language,
      brandName: brand.brandName,
    }),
  });
  const expiresAt = new Date(m.at.getTime() + brand.settings.clarifyTimeoutHours * 3_600_000);
  await tx.execute(sql`insert into inbound_contact_state (workspace_id, brand_id, contact_id, clarify_inbound_id, clarify_scope,
        clarify_channel, clarify_asked_at, clarify_expires_at, updated_at)
      values (${workspaceId}, ${brandId}, ${m.contactId}, ${m.id}, ${scope}, ${c.account.channel}, ${m.at}, ${expiresAt}, ${m.at})
      on conflict (workspace_id, brand_id, contact_id) do update set clarify_inbound_id = excluded.clarify_inbound_id,
        clarify_scope = excluded.clarify_scope, clarify_channel = excluded.clarify_channel,
        clarify_asked_at = excluded.clarify_asked_at, clarify_expires_at = excluded.clarify_expires_at,
        updated_at = excluded.updated_at`);
  m.effects.audits.push({
    workspaceId,
    actor: c.actor,
    action: "inbound.clarification_asked",
    targetType: "contact",
    targetId: m.contactId,
    requestId: c.requestId,
    at: m.at,
    details: { brandId, scope, timeoutHours: brand.settings.clarifyTimeoutHours },
  });
  return { action: "clarify_asked", ledgerEntryId: null, replyMessageId: reply.messageId, suppressed: 0 };
}

/** Closes the open clarifying question: the answer was no, or START. */
async function closeQuestion(tx: TTx, c: TInboundContext, contactId: string): Promise<boolean> {
  const closed = await rows<{ contact_id: string }>(
    tx,
    sql`update inbound_contact_state set clarify_inbound_id = null, clarify_scope = null, clarify_channel = null,
          clarify_asked_at = null, clarify_expires_at = null, updated_at = ${c.clock()}
        where workspace_id = ${c.account.workspaceId} and brand_id = ${c.account.brandId} and contact_id = ${contactId}
          and clarify_expires_at is not null
        returning contact_id`,
  );
  return closed.length > 0;
}

async function insertInbound(
  tx: TTx,
  c: TInboundContext,
  o: {
    id: string;
    contactId: string;
    event: TInboundMessageEvent;
    result: TIntentResult;
    acted: TActed;
    at: Date;
  },
): Promise<void> {
  const { workspaceId } = c.account;
  const seal = (v: string | undefined) =>
    v === undefined || v === "" ? null : encryptField(c.keys, workspaceId, v);
  const e = o.event;
  // Provider ids may hold the sender's id: the dedupe key is kept as a keyed hash, the replied-to id sealed.
  await tx.execute(sql`insert into inbound_messages (id, workspace_id, brand_id, channel_account_id, channel, dedupe_index,
        contact_id, body_sealed, media_sealed, button_payload_sealed, reply_to_sealed, received_at, created_at,
        intent, intent_confidence, intent_language, intent_source, intent_matched, intent_uncertain, action, ledger_entry_id,
        reply_message_id)
      values (${o.id}, ${workspaceId}, ${c.account.brandId}, ${c.account.id}, ${c.account.channel}, ${inboundMessageIndex(c.keys, e.dedupeKey)},
        ${o.contactId}, ${seal(e.body)}, ${seal(e.media ? JSON.stringify(e.media) : undefined)}, ${seal(e.buttonPayload)},
        ${seal(e.replyToProviderMessageId)}, ${e.receivedAt}, ${o.at}, ${o.result.intent}, ${o.result.confidence},
        ${o.result.language}, ${o.result.evidence.source}, ${o.result.evidence.matched ?? null}, ${o.result.uncertain},
        ${o.acted.action}, ${o.acted.ledgerEntryId}, ${o.acted.replyMessageId})`);
}
