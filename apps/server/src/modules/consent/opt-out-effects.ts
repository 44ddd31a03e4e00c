import type { TTx } from "../../core/db/tx.js";
import type { TContactChannel } from "../contacts/index.js";
import type { TOptOutScope } from "./consent.types.js";
import type { TOptOutEvidence, TRecordOptOutResult } from "./record-opt-out.js";

/** One opt-out just recorded (recordOptOut) whose effects beyond the ledger are due. */
export interface TOptOutEffect {
  workspaceId: string;
  brandId: string;
  contactId: string;
  scope: TOptOutScope;
  channel: TContactChannel;
  method: TOptOutEvidence["method"];
  /** The inbound message that expressed it, when one did. */
  inboundMessageId: string | null;
  /** What recordOptOut answered: the contact's entry and the copies carried to its linked contacts. */
  recorded: TRecordOptOutResult;
  at: Date;
}

/**
 * What follows opt-outs in their transaction, outside consent: the queued and scheduled messages they
 * forbid are suppressed (the contact's and each copy's contact's, `message.suppressed`), and the customer
 * hears of each (`contact.opted_out`, copies included). Answers, per opt-out in order, how many of the
 * contact's own messages were suppressed.
 */
export type TOptOutEffects = (
  tx: TTx,
  optOuts: readonly TOptOutEffect[],
) => Promise<{ suppressed: number }[]>;

let registered: TOptOutEffects | undefined;

/**
 * The port through which consent's own writers of opt-outs (`POST /v1/contacts/{id}/opt-out`, a
 * suppression list import) reach the queue and the customer's webhooks without importing messaging or
 * inbound: the app registers the implementation once per process at start (wiring's initModules, every
 * role and every test server). Applying it in a process where nothing was registered fails the caller's
 * transaction (nothing is recorded without its effects).
 */
export const optOutEffects = {
  use(effects: TOptOutEffects): void {
    registered = effects;
  },

  async apply(tx: TTx, optOuts: readonly TOptOutEffect[]): Promise<{ suppressed: number }[]> {
    if (optOuts.length === 0) return [];
    if (!registered)
      throw new Error(
        "consent: no opt-out effects registered in this process (call initModules(ctx) at start)",
      );
    return registered(tx, optOuts);
  },
};
