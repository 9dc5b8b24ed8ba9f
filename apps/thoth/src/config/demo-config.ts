import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface DemoConfig {
  /** The demo file the launcher wrote (addresses and keys). */
  file: string;
  /** Write every decision id the demo was answered, one per line (tests compare them with the ledger). */
  decisionsOut: string | undefined;
}

/** `pnpm demo [--config <demo.json>] [--decisions-out <file>]`; default `$THOTH_DATA_DIR/demo.json` (`.thoth/demo.json`). */
export function loadDemoConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const { values } = parseArgs({
    args: [...argv].filter((a) => a !== '--'),
    options: { config: { type: 'string' }, 'decisions-out': { type: 'string' } },
    strict: true,
  });
  return {
    file: resolve(values.config ?? env['THOTH_DEMO_FILE'] ?? resolve(env['THOTH_DATA_DIR'] ?? '.thoth', 'demo.json')),
    decisionsOut: values['decisions-out'] === undefined ? undefined : resolve(values['decisions-out']),
  };
}
