/**
 * Globs over tool names and resources: `*` matches any run of characters (dots and
 * slashes included), `?` exactly one; everything else is literal.
 *
 * No RegExp: tool names and resources come from the agent, and a backtracking regex over
 * `*a*a*a*b` would let a long resource string stall the enforcer. Exact names are a Set
 * lookup, `prefix*` / `*suffix` / `*` are string tests, anything else uses the two-pointer
 * wildcard match (O(pattern × text) at worst, linear in practice).
 */
export function isExactGlob(glob: string): boolean {
  return !glob.includes('*') && !glob.includes('?');
}

/** Wildcard match with single-star backtracking (no exponential blow-up). */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = glob.charCodeAt(g);
    if (g < glob.length && (c === 63 /* ? */ || c === text.charCodeAt(t))) {
      g++;
      t++;
    } else if (g < glob.length && c === 42 /* * */) {
      star = g++;
      mark = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob.charCodeAt(g) === 42) g++;
  return g === glob.length;
}

/** A list of globs compiled once into the cheapest test for each. */
export class GlobSet {
  readonly #exact = new Set<string>();
  readonly #prefixes: string[] = [];
  readonly #suffixes: string[] = [];
  readonly #general: string[] = [];
  #any = false;

  constructor(readonly globs: readonly string[]) {
    for (const raw of globs) {
      const glob = raw.replace(/\*{2,}/g, '*');
      const stars = glob.split('*').length - 1;
      if (isExactGlob(glob)) this.#exact.add(glob);
      else if (glob === '*') this.#any = true;
      else if (stars === 1 && glob.endsWith('*') && !glob.includes('?')) this.#prefixes.push(glob.slice(0, -1));
      else if (stars === 1 && glob.startsWith('*') && !glob.includes('?')) this.#suffixes.push(glob.slice(1));
      else this.#general.push(glob);
    }
  }

  test(value: string): boolean {
    if (this.#any || this.#exact.has(value)) return true;
    for (let i = 0; i < this.#prefixes.length; i++) if (value.startsWith(this.#prefixes[i]!)) return true;
    for (let i = 0; i < this.#suffixes.length; i++) if (value.endsWith(this.#suffixes[i]!)) return true;
    for (let i = 0; i < this.#general.length; i++) if (globMatch(this.#general[i]!, value)) return true;
    return false;
  }
}

const globSets = new Map<string, WeakRef<GlobSet>>();
const collected = new FinalizationRegistry<string>((key) => {
  if (globSets.get(key)?.deref() === undefined) globSets.delete(key);
});

/**
 * The GlobSet of these globs, shared with every other policy that lists the same globs in
 * the same order (a GlobSet is immutable); held weakly, so unused sets are collected.
 */
export function internGlobSet(globs: readonly string[]): GlobSet {
  const key = globs.join('\u0000');
  const found = globSets.get(key)?.deref();
  if (found !== undefined) return found;
  const set = new GlobSet([...globs]);
  globSets.set(key, new WeakRef(set));
  collected.register(set, key);
  return set;
}
