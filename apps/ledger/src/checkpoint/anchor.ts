import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TENANT_ID } from './origin.js';

/**
 * Where signed checkpoints are kept outside the database, so that a superuser who rewrites the
 * ledger tables cannot rewrite history unseen. Write-once: `put` never replaces a stored checkpoint;
 * putting the very same note again is a no-op (Ed25519 is deterministic, so a checkpointer retrying
 * after a crash produces identical bytes), putting different bytes for the same size is an error.
 * The default is a directory of files; object storage with a retention lock (S3 Object Lock in
 * compliance mode) fits the same interface.
 */
export interface Anchor {
  readonly description: string;
  put(tenantId: string, size: number, note: string): Promise<void>;
  /** Sizes of the tenant's anchored checkpoints, ascending. */
  list(tenantId: string): Promise<number[]>;
  get(tenantId: string, size: number): Promise<string | undefined>;
}

export class AnchorConflictError extends Error {
  readonly code = 'anchor.conflict';
}

/** `<dir>/<tenant id>/<size>.checkpoint`, read-only files that are never replaced. */
export class DirectoryAnchor implements Anchor {
  constructor(readonly dir: string) {}

  get description(): string {
    return `directory ${this.dir}`;
  }

  async put(tenantId: string, size: number, note: string): Promise<void> {
    const path = this.#path(tenantId, size);
    const dir = join(this.dir, tenantId);
    await mkdir(dir, { recursive: true });
    // Written whole to a temporary name, fsynced, then link(2)ed into place: the link is atomic and
    // fails rather than replace an existing file, so a crash never leaves a half-written checkpoint
    // under its final name (a leftover temporary file is ignored by list()).
    const temporary = join(dir, `.${size}.checkpoint.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const file = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
    try {
      await file.writeFile(note, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await link(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const existing = await readFile(path, 'utf8');
      if (existing !== note) throw new AnchorConflictError(`anchor already holds a different checkpoint at ${path}: refusing to overwrite`);
    } finally {
      await unlink(temporary);
    }
    const directory = await open(dir, constants.O_RDONLY);
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }

  async list(tenantId: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, checkTenant(tenantId)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .map((n) => /^(0|[1-9][0-9]*)\.checkpoint$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async get(tenantId: string, size: number): Promise<string | undefined> {
    try {
      return await readFile(this.#path(tenantId, size), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  #path(tenantId: string, size: number): string {
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad checkpoint size ${size}`);
    return join(this.dir, checkTenant(tenantId), `${size}.checkpoint`);
  }
}

function checkTenant(tenantId: string): string {
  // The tenant id becomes a path segment: only UUIDs, never "..".
  if (!TENANT_ID.test(tenantId)) throw new Error(`tenant id ${JSON.stringify(tenantId)} is not a lowercase UUID`);
  return tenantId;
}
