import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { agentsCommand } from './commands/agents.js';
import { alertsCommand } from './commands/alerts.js';
import { completionCommand } from './commands/completion.js';
import { credentialsCommand } from './commands/credentials.js';
import { decisionsCommand } from './commands/decisions.js';
import { enforcersCommand } from './commands/enforcers.js';
import { eventsCommand } from './commands/events.js';
import { auditCommand, evidenceCommand, verifyCommand } from './commands/evidence.js';
import { policyCommand } from './commands/policy.js';
import { profileCommand } from './commands/profile.js';
import { reportCommand } from './commands/report.js';
import { tenantCommand } from './commands/tenant.js';
import type { Environment } from './config/environment.js';
import { CliError, EXIT } from './output/cli-error.js';
import { Output } from './output/output.js';
import { redact } from './output/redact.js';

/** The command tree: every command takes --output and --profile. */
export function buildProgram(env: Environment): Command {
  const program = new Command('thoth')
    .description('Thoth from the command line: policy as code, operating a tenant, verifying evidence')
    .version(packageJson.version)
    .addOption(new Option('-o, --output <format>', 'text for people, json for scripts').choices(['text', 'json']).default('text'))
    .option('-p, --profile <name>', 'the profile to use (default: $THOTH_PROFILE, else "default")')
    .showHelpAfterError('(thoth --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 a check failed, 2 usage, 3 authentication, 4 refused by the API, 5 API unreachable or failing, 70 a fault of thoth (docs/cli.md).')
    .configureOutput({ writeErr: (text) => process.stderr.write(redact(text)), writeOut: (text) => process.stdout.write(text) });
  for (const command of [
    policyCommand(env),
    agentsCommand(env),
    credentialsCommand(env),
    tenantCommand(env),
    enforcersCommand(env),
    decisionsCommand(env),
    alertsCommand(env),
    reportCommand(env),
    eventsCommand(env),
    evidenceCommand(env),
    verifyCommand(env),
    auditCommand(env),
    profileCommand(env),
    completionCommand(() => program),
  ]) {
    program.addCommand(command);
  }
  exitOverrideEverywhere(program);
  return program;
}

/** Runs the command line; resolves to the exit code (docs/cli.md, "Exit codes"). */
export async function run(argv: readonly string[], env: Environment): Promise<number> {
  const program = buildProgram(env);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are answers; anything else commander refused was already explained on stderr.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const output = new Output(program.opts<{ output?: 'text' | 'json' }>().output ?? 'text');
    if (error instanceof CliError) {
      output.error(error.code, error.message);
      return error.exitCode;
    }
    output.error('internal.error', (error as Error).stack ?? String(error));
    return EXIT.internal;
  }
}

function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideEverywhere(sub);
}
