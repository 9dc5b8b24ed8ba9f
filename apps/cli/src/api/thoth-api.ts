import { CliError, EXIT } from '../output/cli-error.js';
import type { Connection } from '../config/profiles.js';

/** A problem the API answered (RFC 9457, with Thoth's stable `code`). */
interface Problem {
  readonly code?: string;
  readonly detail?: string;
  readonly title?: string;
  readonly errors?: ReadonlyArray<{ path: string; code: string; message: string; line?: number; column?: number }>;
}

export interface Request {
  readonly query?: Record<string, string | number | undefined>;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * The control plane's HTTP API as the commands use it: the profile's base URL and API key, JSON
 * in and out, and a problem answer turned into a CliError with the problem's code and the exit
 * code it deserves (401/403 auth, other 4xx refused, 5xx and network unavailable).
 */
export class ThothApi {
  readonly base: string;
  readonly #key: string;

  /** The control plane's API (`api`), or the ledger's (`ledger`: evidence), with the profile's key. */
  constructor(connection: Connection, which: 'api' | 'ledger' = 'api') {
    const base = connection[which];
    if (base === undefined) {
      const variable = which === 'api' ? 'THOTH_API_URL' : 'THOTH_LEDGER_URL';
      throw new CliError(`profile.no_${which}_url`, `profile "${connection.profile}" names no ${which} URL (thoth profile set ${connection.profile} --${which} <url>, or ${variable})`, EXIT.usage);
    }
    if (connection.apiKey === undefined) {
      throw new CliError('profile.no_api_key', `profile "${connection.profile}" holds no API key (thoth profile set ${connection.profile} --api-key-stdin, or THOTH_API_KEY)`, EXIT.auth);
    }
    this.base = base.replace(/\/+$/, '');
    this.#key = connection.apiKey;
  }

  async get<T>(path: string, request: Request = {}): Promise<T> {
    return this.send<T>('GET', path, request);
  }

  async post<T>(path: string, request: Request = {}): Promise<T> {
    return this.send<T>('POST', path, request);
  }

  async put<T>(path: string, request: Request = {}): Promise<T> {
    return this.send<T>('PUT', path, request);
  }

  /** A raw response (`decisions tail` reads a stream); errors as for the others. */
  async open(path: string, request: Request & { signal?: AbortSignal } = {}): Promise<Response> {
    const response = await this.fetch('GET', path, request);
    if (!response.ok) throw await problemOf(response);
    return response;
  }

  private async send<T>(method: string, path: string, request: Request): Promise<T> {
    const response = await this.fetch(method, path, request);
    if (!response.ok) throw await problemOf(response);
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  private async fetch(method: string, path: string, request: Request & { signal?: AbortSignal }): Promise<Response> {
    const url = new URL(`${this.base}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { authorization: `Bearer ${this.#key}`, accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, {
        method,
        headers,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError('api.unreachable', `cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, EXIT.unavailable);
    }
  }
}

/** Calls the API without a key: sign-up is the one route that needs none. */
export async function postPublic<T>(base: string, path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base.replace(/\/+$/, '')}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new CliError('api.unreachable', `cannot reach ${base}: ${cause?.code ?? (error as Error).message}`, EXIT.unavailable);
  }
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

async function problemOf(response: Response): Promise<CliError> {
  let problem: Problem = {};
  try {
    problem = (await response.json()) as Problem;
  } catch {
    // Not a problem document (a proxy's page): the status says enough.
  }
  const status = response.status;
  const code = problem.code ?? `http.${status}`;
  const fields = (problem.errors ?? []).map((e) => `\n  ${e.line !== undefined ? `${e.line}:${e.column ?? 1} ` : ''}${e.path} ${e.code}: ${e.message}`).join('');
  const message = `${status} ${problem.detail ?? problem.title ?? response.statusText}${fields}`;
  const exit = status === 401 || status === 403 ? EXIT.auth : status >= 500 ? EXIT.unavailable : EXIT.refused;
  return new CliError(code, message, exit);
}
