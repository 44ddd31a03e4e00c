import type { TTx } from "../../core/db/tx.js";
import type { TWorkspaceKeys } from "../../core/keyring.js";
import { normalizeAddress, resolveContactByAddress, type TContactChannel } from "../contacts/index.js";
import type { TCategory, TDecision } from "./consent.types.js";
import { decide } from "./decide.js";
import { evaluateDecision } from "./evaluate-decision.js";
import { getCampaign } from "./get-campaign.js";
import { requireBrand } from "./require-brand.js";

/**
 * The decision API for any sender (our pipeline, or calls and messages placed by other systems): by
 * contact id or by address. An address nobody has used yet is judged as a new contact would be (the same
 * answer a send to it would get), without creating anything.
 */
export async function decideForSender(
  tx: TTx,
  keys: TWorkspaceKeys,
  o: {
    workspaceId: string;
    contactId?: string | undefined;
    address?: string | undefined;
    brandId: string;
    campaignId?: string | undefined;
    channel: TContactChannel;
    category: TCategory;
    at: Date;
  },
): Promise<{ decision: TDecision; contactId: string | null }> {
  const contactId =
    o.address !== undefined
      ? ((
          await resolveContactByAddress(tx, keys, {
            workspaceId: o.workspaceId,
            channel: o.channel,
            address: o.address,
            create: false,
          })
        )?.contactId ?? null)
      : (o.contactId ?? null);
  const input = {
    workspaceId: o.workspaceId,
    contactId: contactId ?? "",
    brandId: o.brandId,
    campaignId: o.campaignId ?? null,
    channel: o.channel,
    category: o.category,
    at: o.at,
    recipient: o.address,
  };
  if (contactId !== null) return { decision: await decide(tx, input), contactId };
  const brandFound = await requireBrand(tx, o).then(
    () => true,
    () => false,
  );
  const campaign = o.campaignId
    ? await getCampaign(tx, { workspaceId: o.workspaceId, campaignId: o.campaignId })
    : undefined;
  const place = o.address !== undefined ? normalizeAddress(o.channel, o.address, "address") : null;
  const fresh = {
    erasedAt: null,
    restrictedAt: null,
    minor: false,
    minorUntil: null,
    timeZone: null,
    phoneTimeZone: place?.timeZone ?? null,
    country: place?.country ?? null,
    region: place?.region ?? null,
  };
  return {
    decision: evaluateDecision(input, {
      contact: fresh,
      brandFound,
      quietHours: null,
      suppression: null,
      grants: [],
      campaign,
    }),
    contactId: null,
  };
}
