import ora from 'ora';
import { redact } from './redact.js';

/** `--output`: `text` for people, `json` (one document on stdout) for scripts. */
export type OutputFormat = 'text' | 'json';

/**
 * Where every command writes. A result goes to stdout, as text or as one JSON document; notes and
 * errors go to stderr. A progress display is drawn only for a person at a terminal (text output,
 * stderr a TTY), never into a pipe or a CI log.
 */
export class Output {
  constructor(
    readonly format: OutputFormat,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** The command's result: `value` as JSON, or the lines `text` renders. */
  result(value: unknown, text: () => string | readonly string[]): void {
    if (this.format === 'json') {
      this.stdout.write(`${redact(JSON.stringify(value, null, 2))}\n`);
      return;
    }
    const lines = text();
    const body = typeof lines === 'string' ? lines : lines.join('\n');
    if (body !== '') this.stdout.write(`${redact(body)}\n`);
  }

  /** One item of a stream (`decisions tail`): a line of JSON, or a line of text. */
  item(value: unknown, text: () => string): void {
    this.stdout.write(`${redact(this.format === 'json' ? JSON.stringify(value) : text())}\n`);
  }

  /** A note for the person at the terminal; never part of the result. */
  note(message: string): void {
    if (this.format === 'text') this.stderr.write(`${redact(message)}\n`);
  }

  /** Why a check failed, for a person (stderr, text output only: JSON output carries it in the result). */
  failure(lines: readonly string[]): void {
    if (this.format === 'text') this.stderr.write(`${redact(lines.join('\n'))}\n`);
  }

  error(code: string, message: string): void {
    this.stderr.write(`${redact(this.format === 'json' ? JSON.stringify({ error: { code, message } }) : `thoth: ${message} (${code})`)}\n`);
  }

  /** Runs `work` under a spinner with `label`, when someone is watching. */
  async progress<T>(label: string, work: (update: (label: string) => void) => Promise<T>): Promise<T> {
    const spinner = ora({ text: label, stream: this.stderr, isSilent: this.format !== 'text' || this.stderr.isTTY !== true });
    spinner.start();
    try {
      return await work((next) => {
        spinner.text = next;
      });
    } finally {
      spinner.stop();
    }
  }
}
