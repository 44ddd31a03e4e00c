import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { recordAudit, type TActor } from "../../core/audit.js";
import { randomToken } from "../../core/crypto.js";
import { sqlState, type TTx } from "../../core/db/tx.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { encryptField, type TWorkspaceKeys } from "../../core/keyring.js";
import { credentialSchemas, providerChannels, type TChannel, type TProviderId } from "../channels/index.js";
import { getBrand } from "../workspaces/index.js";
import { forgetChannelAccounts } from "./channel-account-cache.js";
import type { TChannelAccountRow } from "./messaging.types.js";
import { getCampaign } from "./ports.js";
import { resolveRateLimit } from "./resolve-rate-limit.js";

export interface TCreateChannelAccountInput {
  brandId: string;
  channel: TChannel;
  providerId: TProviderId;
  name: string;
  address?: string | undefined;
  credentials: Record<string, unknown>;
  rateLimit?: { perSecond?: number | undefined; perRecipientPerSecond?: number | undefined } | undefined;
  defaultCampaignId?: string | undefined;
}

export interface TCreatedChannelAccount {
  account: TChannelAccountRow;
  /** Sandbox and fake senders: the secret that signs simulated webhooks (X-Assent-Signature), shown once. */
  webhookSecret?: string;
}

function credentialField(path: readonly PropertyKey[]): string {
  return ["credentials", ...path.map(String)].join(".");
}

/** The sender address a provider's credentials already name (phone number id, number, bot id, IG id). */
function defaultAddress(providerId: TProviderId, credentials: Record<string, unknown>): string | null {
  const pick = (key: string): string | null => {
    const v = credentials[key];
    return typeof v === "string" && v.length > 0 ? v : null;
  };
  switch (providerId) {
    case "whatsapp-cloud":
      return pick("phoneNumberId");
    case "twilio":
      return pick("from");
    case "telegram-bot":
      return pick("botToken")?.split(":")[0] ?? null;
    case "instagram":
      return pick("igId");
    default:
      return null;
  }
}

function generatedServiceSid(): string {
  return `MG${randomBytes(16).toString("hex")}`;
}

/**
 * Create a sender for a brand: credentials checked against the provider's schema (400 naming
 * `credentials.<field>`, never echoing values), sealed with the workspace key, never returned.
 */
export async function createChannelAccount(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: {
    workspaceId: string;
    input: TCreateChannelAccountInput;
    actor: TActor;
    requestId?: string | undefined;
  },
): Promise<TCreatedChannelAccount> {
  const { input, workspaceId } = o;
  const brand = await getBrand(tx, { workspaceId, brandId: input.brandId });
  if (!brand)
    throw new AppError("validation_failed", {
      message: "brand not found in this workspace",
      field: "brandId",
    });
  if (input.providerId !== "fake" && providerChannels[input.providerId] !== input.channel) {
    throw new AppError("validation_failed", {
      message: `provider ${input.providerId} sends on ${providerChannels[input.providerId]}, not ${input.channel}`,
      field: "channel",
    });
  }
  const credentials: Record<string, unknown> = { ...input.credentials };
  let webhookSecret: string | undefined;
  if (input.providerId === "sandbox" || input.providerId === "fake") {
    if (typeof credentials.webhookSecret !== "string") credentials.webhookSecret = randomToken(24);
    webhookSecret = String(credentials.webhookSecret);
    if (input.providerId === "fake" && credentials.channel === undefined) credentials.channel = input.channel;
  }
  const checked = credentialSchemas[input.providerId].safeParse(credentials);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = credentialField(issue?.path ?? []);
    throw new AppError("validation_failed", { message: `${field}: ${issue?.code ?? "invalid"}`, field });
  }
  if (input.providerId === "fake" && credentials.channel !== input.channel) {
    throw new AppError("validation_failed", {
      message: "credentials.channel must equal channel",
      field: "credentials.channel",
    });
  }
  if (input.defaultCampaignId !== undefined) {
    const campaign = await getCampaign(tx, { workspaceId, campaignId: input.defaultCampaignId });
    if (!campaign || campaign.brandId !== input.brandId) {
      throw new AppError("validation_failed", {
        message: "campaign not found for this brand",
        field: "defaultCampaignId",
      });
    }
  }
  const address = input.address?.trim() || defaultAddress(input.providerId, credentials);
  const rate = resolveRateLimit(input.providerId, address, input.rateLimit);
  const twilioCompatible =
    input.providerId === "twilio" || input.providerId === "sandbox" || input.providerId === "fake";
  const ownSid =
    typeof credentials.messagingServiceSid === "string" ? credentials.messagingServiceSid : undefined;
  const account: TChannelAccountRow = {
    id: newId("chn"),
    workspaceId,
    brandId: input.brandId,
    channel: input.channel,
    providerId: input.providerId,
    name: input.name,
    address,
    messagingServiceSid: twilioCompatible ? (ownSid ?? generatedServiceSid()) : null,
    defaultCampaignId: input.defaultCampaignId ?? null,
    ratePerSecond: rate.perSecond,
    ratePerRecipient: rate.perRecipientPerSecond,
    rateUnit: rate.unit,
    status: "active",
    createdAt: new Date(),
  };
  const sealed = encryptField(keys, workspaceId, JSON.stringify(credentials));
  try {
    await tx.execute(sql`savepoint create_channel_account`);
    await tx.execute(sql`insert into channel_accounts (id, workspace_id, brand_id, channel, provider_id, name, address,
        messaging_service_sid, default_campaign_id, credentials_sealed, rate_per_second, rate_per_recipient, rate_unit,
        status, created_at)
      values (${account.id}, ${workspaceId}, ${account.brandId}, ${account.channel}, ${account.providerId}, ${account.name},
        ${account.address}, ${account.messagingServiceSid}, ${account.defaultCampaignId}, ${sealed}, ${account.ratePerSecond},
        ${account.ratePerRecipient}, ${account.rateUnit}, 'active', ${account.createdAt})`);
    await tx.execute(sql`release savepoint create_channel_account`);
  } catch (error) {
    if (sqlState(error) === "23505") {
      await tx.execute(sql`rollback to savepoint create_channel_account`);
      throw new AppError("conflict", {
        message: "another sender of this workspace uses this messagingServiceSid",
        field: "credentials.messagingServiceSid",
      });
    }
    throw error;
  }
  await recordAudit(tx, {
    workspaceId,
    actor: o.actor,
    action: "channel_account.created",
    targetType: "channel_account",
    targetId: account.id,
    requestId: o.requestId,
    details: { providerId: account.providerId, channel: account.channel, brandId: account.brandId },
  });
  forgetChannelAccounts(workspaceId);
  return webhookSecret === undefined ? { account } : { account, webhookSecret };
}
