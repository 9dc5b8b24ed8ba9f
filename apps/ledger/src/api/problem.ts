import type { ServerResponse } from 'node:http';

/** RFC 9457 problem details; `code` is the stable, machine-readable part. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
}

export function sendProblem(response: ServerResponse, problem: Problem, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: `https://thoth.dev/problems/${problem.code}`, ...problem });
  response.writeHead(problem.status, { ...headers, 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, null, 2);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
