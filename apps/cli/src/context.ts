import type { Command } from 'commander';
import { ThothApi } from './api/thoth-api.js';
import type { Environment } from './config/environment.js';
import { resolveConnection, type Connection } from './config/profiles.js';
import { Output, type OutputFormat } from './output/output.js';

/** What every command's action gets: where to write, and (for online commands) the API of the chosen profile. */
export interface Context {
  readonly env: Environment;
  readonly out: Output;
  connection(): Promise<Connection>;
  api(): Promise<ThothApi>;
  /** The ledger's API (evidence bundles), with the same profile's key. */
  ledger(): Promise<ThothApi>;
}

export function contextOf(command: Command, env: Environment): Context {
  const globals = command.optsWithGlobals<{ output: OutputFormat; profile?: string }>();
  const connection = () => resolveConnection(env, globals.profile);
  return {
    env,
    out: new Output(globals.output),
    connection,
    api: async () => new ThothApi(await connection()),
    ledger: async () => new ThothApi(await connection(), 'ledger'),
  };
}
