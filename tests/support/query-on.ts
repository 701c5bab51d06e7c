import pg from "pg";

/** One statement on the database at `url`, on a connection of its own (opened and closed here); its rows. */
export async function queryOn<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string | undefined,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}
