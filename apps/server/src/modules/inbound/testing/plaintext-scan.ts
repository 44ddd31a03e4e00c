import type { TDatabase } from "../../../core/db/client.js";

export interface TPlaintextHit {
  table: string;
  column: string;
  value: string;
}

/**
 * Every place a value appears in the clear: each text-like column (text, varchar, json, jsonb, arrays)
 * of every table of the public schema is searched for each value as a substring (run as the database
 * owner, so row-level security hides nothing).
 */
export async function findPlaintext(database: TDatabase, values: string[]): Promise<TPlaintextHit[]> {
  const columns = await database.query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
       and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
     order by c.table_name, c.column_name`,
  );
  const hits: TPlaintextHit[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    for (const value of values) {
      const found = await database.query<{ n: number | string }>(
        `select count(*) as n from "${table}" where strpos("${column}"::text, $1) > 0`,
        [value],
      );
      if (Number(found[0]?.n ?? 0) > 0) hits.push({ table, column, value });
    }
  }
  return hits;
}
