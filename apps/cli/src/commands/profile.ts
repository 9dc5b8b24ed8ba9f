import { Command } from 'commander';
import type { Environment } from '../config/environment.js';
import { DEFAULT_PROFILE, keyHint, profilesPath, readProfiles, saveProfile, type Profile } from '../config/profiles.js';
import { contextOf } from '../context.js';
import { secretFromStdin } from '../input/stdin.js';

/**
 * `thoth profile`: named connections in profiles.json (mode 0600). A key is read from stdin, never
 * from the command line (which shell history and `ps` keep), and never shown: only its prefix.
 */
export function profileCommand(env: Environment): Command {
  const profile = new Command('profile').description('profiles: the API, an API key and the ledger API, by name');

  profile
    .command('set')
    .description('create or change a profile')
    .argument('[name]', 'profile name', DEFAULT_PROFILE)
    .option('--api <url>', "the control plane's API, e.g. http://127.0.0.1:4000")
    .option('--ledger <url>', "the ledger's API, e.g. http://127.0.0.1:4002")
    .option('--api-key-stdin', 'read the API key from stdin')
    .action(async (name: string, options: { api?: string; ledger?: string; apiKeyStdin?: boolean }, command: Command) => {
      const ctx = contextOf(command, env);
      const fields: Profile = {
        ...(options.api !== undefined ? { api: options.api } : {}),
        ...(options.ledger !== undefined ? { ledger: options.ledger } : {}),
        ...(options.apiKeyStdin ? { apiKey: await secretFromStdin('profile.no_api_key', 'the API key (--api-key-stdin)') } : {}),
      };
      const path = await saveProfile(env, name, fields);
      ctx.out.result({ profile: name, file: path }, () => `profile "${name}" saved in ${path}`);
    });

  profile
    .command('list')
    .description('the profiles, their API and the prefix of their key')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const profiles = Object.entries(await readProfiles(env)).map(([name, p]) => ({ name, api: p.api ?? null, ledger: p.ledger ?? null, apiKey: keyHint(p.apiKey) }));
      ctx.out.result({ file: profilesPath(env), profiles }, () => profiles.map((p) => `${p.name}  ${p.api ?? '-'}  key ${p.apiKey ?? 'none'}`));
    });

  profile
    .command('show')
    .description('what a command would use: the profile with THOTH_* overrides applied')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const c = await ctx.connection();
      const shown = { profile: c.profile, api: c.api ?? null, ledger: c.ledger ?? null, apiKey: keyHint(c.apiKey) };
      ctx.out.result(shown, () => `${shown.profile}: api ${shown.api ?? '-'}, ledger ${shown.ledger ?? '-'}, key ${shown.apiKey ?? 'none'}`);
    });

  return profile;
}

