import { describe, expect, it } from 'vitest';
import { assertTestDatabase, withDatabase } from './test-database.js';

describe('assertTestDatabase', () => {
  it('accepts only databases named for tests', () => {
    expect(assertTestDatabase('postgres://u:p@127.0.0.1:5432/thoth_test_20261125_ab12cd')).toBe('thoth_test_20261125_ab12cd');
    for (const name of ['thoth', 'postgres', 'production', 'thoth_testing', 'my_thoth_test_db', 'thoth_test_X;drop']) {
      expect(() => assertTestDatabase(`postgres://u:p@127.0.0.1:5432/${encodeURIComponent(name)}`)).toThrow(/refusing/);
    }
  });

  it('swaps the database in a URL without touching credentials or options', () => {
    expect(withDatabase('postgres://thoth:s3cret@127.0.0.1:54329/thoth?sslmode=disable', 'thoth_test_1')).toBe(
      'postgres://thoth:s3cret@127.0.0.1:54329/thoth_test_1?sslmode=disable',
    );
  });
});
