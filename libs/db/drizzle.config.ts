import { defineConfig } from 'drizzle-kit';

// `pnpm --filter @thoth/db generate --name <what>` writes the next SQL migration from the
// schema; hand-written SQL (RLS, triggers, grants) goes in `drizzle-kit generate --custom`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './migrations',
});
