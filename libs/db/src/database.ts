import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite, type PgliteDatabase } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Tracer } from '@opentelemetry/api';
import pg from 'pg';
import * as schema from './schema/index.js';
import { tracedClientClass } from './traced-client.js';

export type Schema = typeof schema;

/** What every Thoth process talks to: real Postgres in production, PGlite when embedded. */
export type ThothDatabase = NodePgDatabase<Schema> | PgliteDatabase<Schema>;

/** The one raw-SQL seam both drivers share (migrations, health checks). */
export interface SqlSession {
  query<Row extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Omit<SqlSession, 'transaction'>) => Promise<T>): Promise<T>;
}

export interface DatabaseHandle {
  readonly kind: 'postgres' | 'pglite';
  readonly db: ThothDatabase;
  readonly sql: SqlSession;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` for a server; `pglite:<dir>` for an embedded database in <dir>, `pglite:memory` for none on disk. */
  url: string;
  /** Pool size for a server connection. */
  maxConnections?: number;
  /** Tracing on (docs/telemetry.md): a span per query on a server connection; absent: none. */
  tracer?: Tracer | undefined;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const { url } = options;
  if (url.startsWith('pglite:')) return openPglite(url.slice('pglite:'.length));
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return openPostgres(url, options.maxConnections ?? 10, options.tracer);
  }
  throw new Error(`unsupported database URL scheme in "${redactUrl(url)}": expected postgres://, postgresql:// or pglite:`);
}

async function openPglite(location: string): Promise<DatabaseHandle> {
  const client = location === 'memory' || location === '' ? new PGlite() : new PGlite(location);
  await client.waitReady;
  const sql: SqlSession = {
    async query(text, params) {
      return (await client.query(text, params)).rows as never;
    },
    async transaction(fn) {
      return client.transaction(async (tx) =>
        fn({ query: async (text, params) => (await tx.query(text, params)).rows as never }),
      );
    },
  };
  return { kind: 'pglite', db: drizzlePglite(client, { schema }), sql, close: () => client.close() };
}

async function openPostgres(url: string, max: number, tracer: Tracer | undefined): Promise<DatabaseHandle> {
  const database = new URL(url).pathname.slice(1) || 'postgres';
  const pool = new pg.Pool({ connectionString: url, max, ...(tracer ? { Client: tracedClientClass(tracer, database) } : {}) });
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // that would crash the process instead of surfacing on the next query.
  pool.on('error', () => {});
  const sql: SqlSession = {
    async query(text, params) {
      return (await pool.query(text, params)).rows;
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: async (text, params) => (await client.query(text, params)).rows });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
  return { kind: 'postgres', db: drizzlePg(pool, { schema }), sql, close: () => pool.end() };
}

/** A URL fit for a log line: the password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
