import { CliError, EXIT } from '../output/cli-error.js';

/** All of stdin: a bundle (`verify -`), an API key or a secret, which never come on the command line. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** One secret on stdin, without the line ending `echo` or a file adds; a usage error saying what was missing. */
export async function secretFromStdin(code: string, what: string): Promise<string> {
  const secret = (await readStdin()).toString('utf8').replace(/\r?\n$/, '');
  if (secret === '') throw new CliError(code, `${what} is read from stdin, which held none`, EXIT.usage);
  return secret;
}
