import { type SQL, sql } from "drizzle-orm";
import { rows, type TTx } from "../../../core/db/tx.js";

export type TPlannerSetting = "enable_sort" | "enable_seqscan";

/**
 * Turn planner settings off for the next statement, which must put them back by evaluating the
 * returned SQL exactly once (for instance as a CTE it reads in a one-time filter). JIT is turned off
 * with them: a disabled plan node that is the only choice left (a sort of one row, a sequential scan
 * of a table without index) costs ten billion, far above the JIT threshold. set_config is local to the
 * transaction either way; the settings are put back to what they were.
 *
 * The dispatcher's statements need this because the planner cannot estimate rows under row-level
 * security (the policy's two settings read as 1 % of rows): it then reads and sorts a whole queue to
 * take its first rows, or scans the whole table to update a batch found by primary key.
 */
export async function planWithout(tx: TTx, settings: readonly TPlannerSetting[]): Promise<SQL> {
  const names = [...settings, "jit"];
  const [previous] = await rows<Record<string, string>>(
    tx,
    sql`select ${sql.join(
      names.map((n) => sql`current_setting(${n}) as ${sql.identifier(n)}, set_config(${n}, 'off', true)`),
      sql`, `,
    )}`,
  );
  return sql`select ${sql.join(
    names.map((n) => sql`set_config(${n}, ${previous?.[n] ?? "on"}, true)`),
    sql`, `,
  )}`;
}
