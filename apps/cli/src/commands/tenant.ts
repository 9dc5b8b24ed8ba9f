import { Argument, Command } from 'commander';
import { postPublic } from '../api/thoth-api.js';
import type { Environment } from '../config/environment.js';
import { DEFAULT_PROFILE, saveProfile } from '../config/profiles.js';
import { contextOf } from '../context.js';

interface Tenant {
  id: string;
  name: string;
  mode: 'shadow' | 'enforce';
  failMode: string;
  trial: { endsAt: string; status: string };
  version: number;
}

/**
 * `thoth tenant`: sign up (the new admin key goes straight into a profile, never to the terminal),
 * show the tenant, switch its mode between shadow and enforce.
 */
export function tenantCommand(env: Environment): Command {
  const tenant = new Command('tenant').description("sign up, show the tenant, switch its mode");

  tenant
    .command('sign-up')
    .description('create a tenant (a seven-day shadow trial) and save its first admin API key in a profile')
    .requiredOption('--api <url>', "the control plane's API, e.g. http://127.0.0.1:4000")
    .requiredOption('--name <name>', 'the organisation')
    .requiredOption('--email <email>', 'a contact address')
    .option('--save-profile <name>', 'the profile that keeps the API and the key', DEFAULT_PROFILE)
    .action(async (options: { api: string; name: string; email: string; saveProfile: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const answer = await postPublic<{ tenant: Tenant; apiKey: { id: string; prefix: string; role: string; key: string } }>(options.api, '/v1/tenants', { name: options.name, email: options.email });
      const path = await saveProfile(env, options.saveProfile, { api: options.api, apiKey: answer.apiKey.key });
      const { key: _key, ...apiKey } = answer.apiKey;
      ctx.out.result({ tenant: answer.tenant, apiKey, profile: options.saveProfile, profilesFile: path }, () => [
        `tenant ${answer.tenant.id} (${answer.tenant.name}): ${answer.tenant.mode} mode, trial until ${answer.tenant.trial.endsAt}`,
        `its admin API key (${apiKey.role}) is saved in profile "${options.saveProfile}" (${path}, mode 0600)`,
      ]);
    });

  tenant
    .command('show')
    .description('the tenant of the profile: mode, fail mode, trial')
    .action(async (_options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const view = await (await ctx.api()).get<Tenant>('/v1/tenant');
      ctx.out.result(view, () => `tenant ${view.id} (${view.name}): ${view.mode} mode, fail ${view.failMode}, trial ${view.trial.status} (ends ${view.trial.endsAt})`);
    });

  tenant
    .command('mode')
    .description('switch the tenant to shadow (record, block nothing) or enforce (block denials)')
    .addArgument(new Argument('<mode>').choices(['shadow', 'enforce']))
    .action(async (mode: string, _options: unknown, command: Command) => {
      const ctx = contextOf(command, env);
      const view = await (await ctx.api()).put<Tenant>('/v1/tenant/mode', { body: { mode } });
      ctx.out.result(view, () => `tenant ${view.id} is in ${view.mode} mode`);
    });

  return tenant;
}
