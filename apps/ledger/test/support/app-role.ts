import pg from 'pg';

/**
 * A login role for the ledger worker in tests: a member of thoth_ledger (created by the ledger
 * migrations) and nothing else, which is how production should run the worker. Roles are
 * cluster-wide, so the name carries the test run's id; `drop` removes it again.
 */
export async function createLedgerLogin(serverUrl: string, databaseUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad role name ${name}`);
  const password = `pw_${name}`;
  await withClient(serverUrl, async (c) => {
    await c.query(`DROP ROLE IF EXISTS ${name}`);
    await c.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}' IN ROLE thoth_ledger`);
  });
  const url = new URL(databaseUrl);
  url.username = name;
  url.password = password;
  return { url: url.toString(), drop: () => withClient(serverUrl, (c) => c.query(`DROP ROLE IF EXISTS ${name}`)).then(() => undefined) };
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
