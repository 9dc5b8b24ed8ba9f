import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment `thoth` reads, once: profile selection and the overrides of a profile's
 * fields, like the clouds' CLIs (AWS_PROFILE, AWS_ACCESS_KEY_ID…). Nothing else reads process.env.
 */
export interface Environment {
  /** THOTH_PROFILE: the profile used when --profile is not given. */
  readonly profile: string | undefined;
  /** THOTH_API_URL, THOTH_API_KEY, THOTH_LEDGER_URL: win over the profile's fields. */
  readonly apiUrl: string | undefined;
  readonly apiKey: string | undefined;
  readonly ledgerUrl: string | undefined;
  /** Where profiles.json lives: THOTH_CONFIG_DIR, else $XDG_CONFIG_HOME/thoth, else ~/.config/thoth. */
  readonly configDir: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  return {
    profile: set('THOTH_PROFILE'),
    apiUrl: set('THOTH_API_URL'),
    apiKey: set('THOTH_API_KEY'),
    ledgerUrl: set('THOTH_LEDGER_URL'),
    configDir: set('THOTH_CONFIG_DIR') ?? join(set('XDG_CONFIG_HOME') ?? join(homedir(), '.config'), 'thoth'),
  };
}
