/**
 * What `thoth` exits with, and the one error type its commands throw. Scripts and CI branch on
 * the exit code (docs/cli.md, "Exit codes"); the error's `code` is stable, its message is for people.
 */
export const EXIT = {
  /** Done; a check passed. */
  ok: 0,
  /** A check failed: a policy is invalid, a policy test failed, policies differ, evidence or an audit failed. */
  failed: 1,
  /** The command line or an input file is wrong (unknown option, unreadable file, malformed test file). */
  usage: 2,
  /** No API key, or the API refused it (401, 403). */
  auth: 3,
  /** The API refused the request (4xx other than 401/403: a stale version, an unknown agent, a bad value). */
  refused: 4,
  /** The API could not be reached or failed (network error, 5xx). */
  unavailable: 5,
  /** A fault of thoth itself (sysexits' EX_SOFTWARE): the message carries its stack. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    /** Stable, e.g. `file.unreadable`, `profile.no_api_key`, or the API's problem code (`policy.version_stale`). */
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
