import { z } from 'zod';

/** One precise complaint: where (a JSON pointer into the request) and what. */
export interface ProblemDetail {
  path: string;
  code: string;
  message: string;
  /** For a source document (a policy): 1-based line and column. */
  line?: number;
  column?: number;
}

/** RFC 9457 problem details, with Thoth's stable `code` and per-field `errors`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors?: ProblemDetail[];
}

export const ProblemSchema = z
  .object({
    type: z.string().describe('A URI naming the problem: urn:thoth:problem:<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Stable machine-readable code, e.g. tenant.not_found, request.unknown_field'),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(
        z.object({
          path: z.string().describe('JSON pointer into the request'),
          code: z.string(),
          message: z.string(),
          line: z.number().int().optional(),
          column: z.number().int().optional(),
        }),
      )
      .optional(),
  });

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Thrown anywhere at the edge; the problem filter renders it as application/problem+json. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: ProblemDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = 'ProblemError';
  }

  toProblem(): Problem {
    return problem(this.status, this.code, this.message, this.errors);
  }
}

/** The problem type of every Thoth API: a URN naming the stable code. */
export function problemType(code: string): string {
  return `urn:thoth:problem:${code}`;
}

export function problem(status: number, code: string, detail: string, errors?: ProblemDetail[]): Problem {
  return {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** `['a', 0, 'b']` → `/a/0/b` (RFC 6901). */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((p) => '/' + String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}
