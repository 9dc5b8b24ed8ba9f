import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryAnchor } from './anchor.js';

const tenant = '0b6f3a56-1c1e-4c8e-9a57-3f4c2d1e0a99';

describe('DirectoryAnchor', () => {
  const dirs: string[] = [];
  const anchor = () => {
    const dir = mkdtempSync(join(tmpdir(), 'thoth-anchor-unit-'));
    dirs.push(dir);
    return new DirectoryAnchor(dir);
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('writes <tenant>/<size>.checkpoint once, read-only, and lists sizes in order', async () => {
    const a = anchor();
    await a.put(tenant, 10, 'ten\n');
    await a.put(tenant, 2, 'two\n');
    await a.put(tenant, 10, 'ten\n'); // the same bytes again: a retry after a crash
    expect(await a.list(tenant)).toEqual([2, 10]);
    expect(readFileSync(join(a.dir, tenant, '10.checkpoint'), 'utf8')).toBe('ten\n');
    expect(statSync(join(a.dir, tenant, '10.checkpoint')).mode & 0o222).toBe(0);
    expect(readdirSync(join(a.dir, tenant)).sort()).toEqual(['10.checkpoint', '2.checkpoint']);
  });

  it('never overwrites a checkpoint with different bytes', async () => {
    const a = anchor();
    await a.put(tenant, 3, 'original\n');
    await expect(a.put(tenant, 3, 'rewritten\n')).rejects.toMatchObject({ code: 'anchor.conflict' });
    expect(await a.get(tenant, 3)).toBe('original\n');
  });

  it('ignores leftovers of a crash mid-write and refuses path tricks', async () => {
    const a = anchor();
    await a.put(tenant, 1, 'one\n');
    writeFileSync(join(a.dir, tenant, '.5.checkpoint.123.abcd.tmp'), 'half');
    expect(await a.list(tenant)).toEqual([1]);
    expect(await a.get(tenant, 5)).toBeUndefined();
    await expect(a.put('../etc', 1, 'x\n')).rejects.toThrow(/UUID/);
  });
});
