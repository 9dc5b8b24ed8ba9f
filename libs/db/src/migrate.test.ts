import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { committedMigrations, MIGRATION_SETS, MigrationJournalError, MIGRATIONS_FOLDER } from './migrate.js';

describe('the committed migrations', () => {
  const copy = mkdtempSync(join(tmpdir(), 'thoth-migrations-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('are listed in migration order in every set', () => {
    const all = committedMigrations();
    for (const set of MIGRATION_SETS) {
      const ids = all.filter((m) => m.set === set).map((m) => m.id);
      expect(ids, set).toEqual(ids.map((_, i) => i));
    }
    expect(all.length).toBeGreaterThan(15);
  });

  it('refuse a journal merged out of order, naming the entry', () => {
    cpSync(MIGRATIONS_FOLDER, copy, { recursive: true });
    const journal = join(copy, 'control-plane', 'meta', '_journal.json');
    const parsed = JSON.parse(readFileSync(journal, 'utf8')) as { entries: unknown[] };
    const [ninth, tenth] = [parsed.entries[9], parsed.entries[10]];
    parsed.entries[9] = tenth;
    parsed.entries[10] = ninth;
    writeFileSync(journal, JSON.stringify(parsed));
    expect(() => committedMigrations(copy)).toThrow(MigrationJournalError);
    expect(() => committedMigrations(copy)).toThrow(/control-plane\/meta\/_journal\.json lists 0010_\w+ \(idx 10\) at position 9/);
  });
});
