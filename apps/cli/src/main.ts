import { readEnvironment } from './config/environment.js';
import { run } from './program.js';

// The `thoth` command (docs/cli.md). dist/thoth.js is this file bundled (scripts/build.ts).
process.exitCode = await run(process.argv, readEnvironment());
