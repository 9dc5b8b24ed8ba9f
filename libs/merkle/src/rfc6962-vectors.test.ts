import { describe, expect, it } from 'vitest';
import { decodeBase64 } from './base64.js';
import { verifyConsistency, verifyInclusion } from './proof.js';

// The transparency-dev RFC 6962 vectors, copied into libs/merkle/testdata/rfc6962 (source and
// licence in its README.md), loaded through vitest's module graph: libs/merkle/src may not import
// node:fs (pure-libs-stay-pure).
declare global {
  interface ImportMeta {
    glob<T>(pattern: string, options: { eager: true; import: 'default' }): Record<string, T>;
  }
}

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const inclusion = import.meta.glob<InclusionVector>('../testdata/rfc6962/inclusion/**/*.json', {
  eager: true,
  import: 'default',
});
const consistency = import.meta.glob<ConsistencyVector>('../testdata/rfc6962/consistency/**/*.json', {
  eager: true,
  import: 'default',
});

const bytes = (b64: string): Uint8Array => {
  const decoded = decodeBase64(b64);
  if (decoded === undefined) throw new Error(`vector holds invalid base64 ${JSON.stringify(b64)}`);
  return decoded;
};

const cases = <T extends { wantErr: boolean }>(vectors: Record<string, T>) =>
  Object.entries(vectors).map(([path, v]) => ({ name: path.replace(/^.*rfc6962\//, ''), v }));

describe('RFC 6962 vectors', () => {
  it('finds every vector file', () => {
    expect(Object.keys(inclusion)).toHaveLength(98);
    expect(Object.keys(consistency)).toHaveLength(98);
  });

  it('has happy paths that expect success', () => {
    const happy = [...cases(inclusion), ...cases(consistency)].filter((c) => c.name.endsWith('/happy-path.json'));
    expect(happy).toHaveLength(10);
    for (const c of happy) expect(c.v.wantErr, c.name).toBe(false);
  });

  it.each(cases(inclusion))('inclusion $name', ({ v }) => {
    const result = verifyInclusion(v.leafIdx, v.treeSize, bytes(v.leafHash), (v.proof ?? []).map(bytes), bytes(v.root));
    expect(result.ok, result.ok ? v.desc : `${v.desc}: ${result.code} ${result.reason}`).toBe(!v.wantErr);
  });

  it.each(cases(consistency))('consistency $name', ({ v }) => {
    const result = verifyConsistency(v.size1, v.size2, bytes(v.root1), bytes(v.root2), (v.proof ?? []).map(bytes));
    expect(result.ok, result.ok ? v.desc : `${v.desc}: ${result.code} ${result.reason}`).toBe(!v.wantErr);
  });
});
