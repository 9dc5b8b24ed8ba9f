import { migrate, openDatabase } from '@thoth/db';
import { createTestDatabase, dropTestDatabase, withDatabase } from '@thoth/testing';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/**
 * A migrated database of the test file's own, reached through the app's login role. For code
 * that looks across tenants (the trial scheduler ends every due trial in its database): sharing
 * the run's database, it would act on other files' tenants.
 */
export async function ownDatabase(appLoginUrl: string, label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = inject('thoth.serverUrl');
  const name = `thoth_test_${inject('thoth.runId')}_${label}_${randomBytes(3).toString('hex')}`;
  const handle = await openDatabase({ url: await createTestDatabase(server, name), maxConnections: 1 });
  try {
    await migrate(handle.sql);
  } finally {
    await handle.close();
  }
  return { url: withDatabase(appLoginUrl, name), drop: () => dropTestDatabase(server, name) };
}
