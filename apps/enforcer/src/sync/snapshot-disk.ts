import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { SignedSnapshotSchema, type SignedSnapshot } from '@thoth/contracts';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SUFFIX = '.snapshot';

/**
 * Last-good signed snapshots on disk, one file per tenant, exactly as the control plane
 * signed them: a restarted enforcer verifies them again before it decides on them.
 * Written to a temporary file and renamed, so a crash never leaves half a snapshot.
 */
export class SnapshotDisk {
  constructor(readonly dir: string) {}

  async save(tenantId: string, signed: SignedSnapshot): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${encodeURIComponent(tenantId)}${SUFFIX}`);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, toBinary(SignedSnapshotSchema, signed));
    await rename(tmp, path);
  }

  /** Every stored snapshot that decodes; the caller verifies each before use. */
  async load(): Promise<{ file: string; signed?: SignedSnapshot; error?: string }[]> {
    let files: string[];
    try {
      files = (await readdir(this.dir)).filter((f) => f.endsWith(SUFFIX));
    } catch {
      return [];
    }
    return Promise.all(
      files.map(async (file) => {
        try {
          return { file, signed: fromBinary(SignedSnapshotSchema, new Uint8Array(await readFile(join(this.dir, file)))) };
        } catch (error) {
          return { file, error: (error as Error).message };
        }
      }),
    );
  }
}
