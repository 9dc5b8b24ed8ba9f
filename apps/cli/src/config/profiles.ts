import { chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError, EXIT } from '../output/cli-error.js';
import type { Environment } from './environment.js';

/**
 * Profiles: named connections to a Thoth (its API, an API key, the ledger's API), kept in
 * `profiles.json` under the config directory. The file holds keys, so it is written mode 0600 in
 * a directory of mode 0700, through a temporary file renamed over it (never half-written), and
 * its mode is set again on every write in case it was loosened. A key is never printed: the
 * commands that show a profile show the key's prefix.
 */
const Profile = z.strictObject({
  api: z.url({ protocol: /^https?$/ }).optional(),
  apiKey: z.string().min(1).optional(),
  ledger: z.url({ protocol: /^https?$/ }).optional(),
});
const ProfilesFile = z.strictObject({ profiles: z.record(z.string(), Profile) });

export type Profile = z.infer<typeof Profile>;
export const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const DEFAULT_PROFILE = 'default';

export function profilesPath(env: Environment): string {
  return join(env.configDir, 'profiles.json');
}

export async function readProfiles(env: Environment): Promise<Record<string, Profile>> {
  const path = profilesPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError('profile.unreadable', `cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError('profile.malformed', `${path} is not JSON`, EXIT.usage);
  }
  const result = ProfilesFile.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new CliError('profile.malformed', `${path}: /${issue.path.join('/')}: ${issue.message}`, EXIT.usage);
  }
  return result.data.profiles;
}

/** Sets the given fields of profile `name` (creating it), leaving the others as they were. */
export async function saveProfile(env: Environment, name: string, fields: Profile): Promise<string> {
  if (!PROFILE_NAME.test(name)) throw new CliError('profile.bad_name', `profile name "${name}": letters, digits, _ . - (1–64)`, EXIT.usage);
  const profiles = await readProfiles(env);
  const profile = Profile.safeParse({ ...profiles[name], ...fields });
  if (!profile.success) {
    const issue = profile.error.issues[0]!;
    throw new CliError('profile.invalid', `profile "${name}": ${issue.path.join('.')}: ${issue.message}`, EXIT.usage);
  }
  profiles[name] = profile.data;
  const path = profilesPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(`${JSON.stringify({ profiles }, null, 2)}\n`);
    await file.chmod(0o600);
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await chmod(path, 0o600);
  return path;
}

/** What a command talks to: the profile, with the environment's overrides applied. */
export interface Connection {
  readonly profile: string;
  readonly api: string | undefined;
  readonly apiKey: string | undefined;
  readonly ledger: string | undefined;
}

export async function resolveConnection(env: Environment, profileOption: string | undefined): Promise<Connection> {
  const name = profileOption ?? env.profile ?? DEFAULT_PROFILE;
  const profiles = await readProfiles(env);
  const profile = profiles[name];
  if (profile === undefined && (profileOption !== undefined || env.profile !== undefined)) {
    throw new CliError('profile.not_found', `no profile "${name}" in ${profilesPath(env)} (thoth profile set ${name} --api <url>)`, EXIT.usage);
  }
  return {
    profile: name,
    api: env.apiUrl ?? profile?.api,
    apiKey: env.apiKey ?? profile?.apiKey,
    ledger: env.ledgerUrl ?? profile?.ledger,
  };
}

/** How a key is shown: its recognisable prefix and nothing of its secret part. */
export function keyHint(key: string | undefined): string | null {
  if (key === undefined) return null;
  const prefix = /^thoth_[a-z]{2}_/.exec(key)?.[0] ?? '';
  return `${prefix}…`;
}
