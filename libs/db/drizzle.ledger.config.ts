import { defineConfig } from 'drizzle-kit';

// `pnpm --filter @thoth/db generate:ledger --name <what>` writes the next ledger migration from
// src/schema/ledger; hand-written SQL (RLS, triggers, grants) goes through `--custom`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/ledger/index.ts',
  out: './migrations/ledger',
});
