import { Command, Option } from 'commander';
import { createHash } from 'node:crypto';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';
import { secretFromStdin } from '../input/stdin.js';
import { findAgent } from './agents.js';

interface Credential {
  id: string;
  name: string;
  kind: string;
  provider: string;
  fingerprint: string;
  agentIds: string[];
  status?: string;
}

/**
 * `thoth credentials`: the secrets agents use, known by fingerprint. `register` reads the secret
 * from stdin and sends only its SHA-256: the secret never leaves the machine.
 */
export function credentialsCommand(env: Environment): Command {
  const credentials = new Command('credentials').description('register the credentials agents use (by fingerprint), list them');

  credentials
    .command('register')
    .description("register a credential: its secret read from stdin, only its SHA-256 fingerprint sent")
    .argument('<name>', 'e.g. "Salesforce prod"')
    .addOption(new Option('--kind <kind>', 'what it is').choices(['oauth_token', 'api_key']).makeOptionMandatory())
    .requiredOption('--provider <provider>', 'e.g. salesforce, github, stripe')
    .option('--agent <agent...>', 'agents (id or name) that may use it', [])
    .option('--resource <glob...>', 'resources it may touch (crm/*)')
    .option('--region <region...>', 'regions it may be used from')
    .option('--cidr <cidr...>', 'networks it may be used from')
    .action(async (name: string, options: { kind: string; provider: string; agent: string[]; resource?: string[]; region?: string[]; cidr?: string[] }, command: Command) => {
      const ctx = contextOf(command, env);
      const secret = await secretFromStdin('credential.no_secret', 'the secret');
      const api = await ctx.api();
      const agentIds = await Promise.all(options.agent.map(async (ref) => (await findAgent(api, ref)).id));
      const locations = { ...(options.cidr ? { cidrs: options.cidr } : {}), ...(options.region ? { regions: options.region } : {}) };
      const credential = await api.post<Credential>('/v1/credentials', {
        body: {
          name,
          kind: options.kind,
          provider: options.provider,
          fingerprint: createHash('sha256').update(secret).digest('hex'),
          agentIds,
          ...(options.resource ? { allowedResources: options.resource } : {}),
          ...(Object.keys(locations).length > 0 ? { allowedLocations: locations } : {}),
        },
      });
      ctx.out.result(credential, () => `credential ${credential.name} (${credential.id}): fingerprint ${credential.fingerprint}, ${credential.agentIds.length} agent(s)`);
    });

  credentials
    .command('list')
    .description("the tenant's credentials")
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const { items } = await (await ctx.api()).get<{ items: Credential[] }>('/v1/credentials');
      ctx.out.result(items, () => items.map((c) => `${c.id}  ${c.name}  ${c.provider}  ${c.fingerprint}${c.status ? `  ${c.status}` : ''}`));
    });

  return credentials;
}
