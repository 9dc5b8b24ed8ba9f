/**
 * Globs over tool names and resources: `*` matches any run of characters (dots and
 * slashes included), `?` exactly one; everything else is literal. Compiled once to RegExp.
 */
export function isExactGlob(glob: string): boolean {
  return !glob.includes('*') && !glob.includes('?');
}

export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(re + '$', 's');
}

/** A set of globs tested as one RegExp (exact names are folded in too). */
export class GlobSet {
  readonly #re: RegExp;
  constructor(readonly globs: readonly string[]) {
    const alternatives = globs.map((g) => `(?:${globToRegExp(g).source.slice(1, -1)})`);
    this.#re = new RegExp(`^(?:${alternatives.join('|')})$`, 's');
  }
  test(value: string): boolean {
    return this.#re.test(value);
  }
}
