import pg from 'pg';

const TEST_DATABASE_NAME = /^thoth_test_[a-z0-9_]+$/;

/**
 * Refuses any database whose name does not say it is for tests: a test suite pointed at a
 * real database by mistake must stop before it writes or drops anything.
 */
export function assertTestDatabase(url: string): string {
  const name = databaseName(url);
  if (!TEST_DATABASE_NAME.test(name)) {
    throw new Error(`refusing to run tests against database "${name}": test databases are named thoth_test_*`);
  }
  return name;
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

export function withDatabase(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(name)}`;
  return next.toString();
}

/** Creates the run's own database through a role that may create databases. */
export async function createTestDatabase(serverUrl: string, name: string): Promise<string> {
  const url = withDatabase(serverUrl, name);
  assertTestDatabase(url);
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  return url;
}

/**
 * Drops a test database, ending its sessions. A session this role may not end (an autovacuum
 * worker that just started on the fresh tables: SQLSTATE 42501) makes the drop fail, so it is
 * tried again for a while; such workers are short.
 */
export async function dropTestDatabase(serverUrl: string, name: string): Promise<void> {
  assertTestDatabase(withDatabase(serverUrl, name));
  for (let attempt = 1; ; attempt++) {
    try {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
