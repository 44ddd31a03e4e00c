import { sql } from "drizzle-orm";
import { rows, type TTx } from "../../core/db/tx.js";
import { messageColumns, type TMessageDbRow, type TMessageEventDbRow } from "./message-row.js";

/** A message of the workspace with its timeline events, or undefined (never another workspace's). */
export async function getMessage(
  tx: TTx,
  o: { workspaceId: string; messageId: string },
): Promise<{ message: TMessageDbRow; events: TMessageEventDbRow[] } | undefined> {
  const found = await rows<TMessageDbRow>(
    tx,
    sql`select ${messageColumns} from messages where workspace_id = ${o.workspaceId} and id = ${o.messageId}`,
  );
  const message = found[0];
  if (!message) return undefined;
  const events = await rows<TMessageEventDbRow>(
    tx,
    sql`select message_id, type, at, reason, details from message_events
      where workspace_id = ${o.workspaceId} and message_id = ${o.messageId} order by id`,
  );
  return { message, events };
}
