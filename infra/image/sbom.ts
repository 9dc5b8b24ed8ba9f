import type { Metafile } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// A CycloneDX 1.6 SBOM of what a build shipped, from esbuild's metafile: every npm package one of
// whose files went into the bundle (tree-shaken away: not shipped, not listed), at the version
// installed, with its declared license, and the workspace's own libraries bundled with it.
// A bundle has no node_modules for a scanner to read, and cyclonedx-npm reads `npm ls`, which
// does not understand pnpm's layout (docs/build.md, "Supply chain").

export interface SbomComponent {
  name: string;
  version: string;
  license: string | undefined;
  /** Where it came from: a package file in node_modules, or the workspace. */
  origin: 'npm' | 'workspace';
  /** Its directory, from the repository root (bundled packages only). */
  dir?: string;
}

const PACKAGE_IN_NODE_MODULES = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//;
const WORKSPACE_PACKAGE = /^((?:apps|libs)\/[^/]+)\//;

/** The packages whose files esbuild put into the output; `root`: the repository, esbuild's working directory. */
export function bundledComponents(root: string, metafile: Metafile): SbomComponent[] {
  const found = new Map<string, SbomComponent>();
  for (const input of Object.keys(metafile.inputs)) {
    const dir = PACKAGE_IN_NODE_MODULES.exec(input)?.[1] ?? WORKSPACE_PACKAGE.exec(input)?.[1];
    if (!dir || found.has(dir)) continue;
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    found.set(dir, { name: manifest.name, version: manifest.version, license: manifest.license, origin: dir.includes('node_modules/') ? 'npm' : 'workspace', dir });
  }
  const unique = new Map([...found.values()].map((c) => [`${c.name}@${c.version}`, c]));
  return [...unique.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

/**
 * The license texts the bundled npm packages ship (LICENSE, LICENCE, COPYING, NOTICE files), one
 * after the other: permissive licenses ask that their notice travel with every copy, and a bundle
 * carries no package directories that would hold them.
 */
export function thirdPartyNotices(root: string, components: readonly SbomComponent[]): string {
  const sections = components
    .filter((c) => c.origin === 'npm' && c.dir)
    .map((c) => {
      const dir = join(root, c.dir!);
      const texts = readdirSync(dir)
        .filter((f) => /^(licen[cs]e|copying|notice)(\.|-|$)/i.test(f))
        .sort()
        .map((f) => readFileSync(join(dir, f), 'utf8').trim());
      return `${c.name}@${c.version} (${c.license ?? 'no license declared'})\n\n${texts.length > 0 ? texts.join('\n\n') : '(the package ships no license file)'}`;
    });
  return `${sections.join(`\n\n${'-'.repeat(80)}\n\n`)}\n`;
}

const purl = (c: { name: string; version: string }) => `pkg:npm/${c.name.replace(/^@/, '%40')}@${c.version}`;

/** The CycloneDX document (JSON) of `subject`, made of `components`. */
export function cyclonedx(subject: { name: string; version: string; description: string }, components: readonly SbomComponent[]): string {
  return `${JSON.stringify(
    {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: `urn:uuid:${randomUUID()}`,
      version: 1,
      metadata: {
        timestamp: new Date().toISOString(),
        tools: { components: [{ type: 'application', name: 'thoth infra/image/sbom.ts', description: 'from the esbuild metafile of the build' }] },
        component: { type: 'application', 'bom-ref': purl(subject), name: subject.name, version: subject.version, description: subject.description, purl: purl(subject) },
      },
      components: components.filter((c) => c.name !== subject.name).map((c) => ({
        type: 'library',
        'bom-ref': purl(c),
        name: c.name,
        version: c.version,
        purl: purl(c),
        ...(c.license ? { licenses: [{ expression: c.license }] } : {}),
        properties: [{ name: 'thoth:origin', value: c.origin }],
      })),
      dependencies: [{ ref: purl(subject), dependsOn: components.filter((c) => c.name !== subject.name).map(purl) }],
    },
    null,
    2,
  )}\n`;
}
