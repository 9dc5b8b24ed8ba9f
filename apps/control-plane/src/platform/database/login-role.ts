import type { DatabaseHandle } from '@thoth/db';

export interface LoginRoleReport {
  role: string;
  /** Why this login role is more than the app needs, if it is. */
  concerns: string[];
}

/**
 * Every query runs as thoth_app whatever the login role, but a login role that owns tables or
 * bypasses RLS would turn a bug (a forgotten SET ROLE) into a leak. Reported at boot.
 */
export async function inspectLoginRole(database: DatabaseHandle): Promise<LoginRoleReport> {
  const [row] = await database.sql.query<{ role: string; rolsuper: boolean; rolbypassrls: boolean; owns: boolean }>(
    `SELECT r.rolname AS role, r.rolsuper, r.rolbypassrls,
            EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relowner = r.oid) AS owns
       FROM pg_roles r WHERE r.rolname = session_user`,
  );
  if (!row) return { role: 'unknown', concerns: [] };
  const concerns = [
    ...(row.rolsuper ? ['is a superuser'] : []),
    ...(row.rolbypassrls ? ['may bypass row-level security'] : []),
    ...(row.owns ? ['owns tables of the schema'] : []),
  ];
  return { role: row.role, concerns };
}
