import { defineConfig } from 'drizzle-kit';

// `pnpm --filter @thoth/db generate:control-plane --name <what>` writes the next control-plane migration from
// src/schema/control-plane; hand-written SQL (RLS, triggers, grants) goes through `--custom`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/control-plane/index.ts',
  out: './migrations/control-plane',
});
