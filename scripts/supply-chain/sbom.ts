import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { licenseAllowed } from './licenses.ts';

// `pnpm sbom` (after `pnpm build`): the CycloneDX SBOM each build wrote beside its output
// (infra/image/sbom.ts), gathered into dist/sbom/, and every npm component in them held to the
// license allow-list (scripts/supply-chain/licenses.ts).
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SBOMS: Record<string, string> = {
  'thoth-control-plane': 'dist/control-plane/sbom.cdx.json',
  'thoth-enforcer': 'dist/enforcer/sbom.cdx.json',
  'thoth-ledger': 'dist/ledger/sbom.cdx.json',
  'thoth-sdk': 'libs/sdk/dist/sbom.cdx.json',
};

interface Bom {
  components: Array<{ name: string; version: string; licenses?: Array<{ expression: string }>; properties: Array<{ name: string; value: string }> }>;
}

mkdirSync(join(ROOT, 'dist/sbom'), { recursive: true });
const refused: string[] = [];
for (const [name, from] of Object.entries(SBOMS)) {
  const to = join(ROOT, 'dist/sbom', `${name}.cdx.json`);
  copyFileSync(join(ROOT, from), to);
  const bom = JSON.parse(readFileSync(to, 'utf8')) as Bom;
  for (const c of bom.components) {
    const npm = c.properties.some((p) => p.name === 'thoth:origin' && p.value === 'npm');
    const license = c.licenses?.[0]?.expression ?? '';
    if (npm && !licenseAllowed(license)) refused.push(`${name}: ${c.name}@${c.version} (${license || 'no license'})`);
  }
  process.stdout.write(`sbom: dist/sbom/${name}.cdx.json, ${bom.components.length} components\n`);
}
if (refused.length > 0) {
  process.stderr.write(`sbom: components under licenses outside the allow-list:\n${refused.map((r) => `  ${r}`).join('\n')}\n`);
  process.exit(1);
}
