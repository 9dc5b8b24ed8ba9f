/**
 * Interning of immutable compiled pieces (CEL programs, glob sets) by their source text:
 * many tenants' policies are built from the same rule templates, so an enforcer holding a
 * thousand tenants would otherwise hold the same expression compiled a thousand times.
 * Entries are weak: a piece lives as long as some compiled policy holds it, and its entry
 * is dropped once it has been collected.
 */
export class Interner<T extends object> {
  readonly #entries = new Map<string, WeakRef<T>>();
  readonly #registry = new FinalizationRegistry<string>((key) => {
    const ref = this.#entries.get(key);
    if (ref !== undefined && ref.deref() === undefined) this.#entries.delete(key);
  });

  get(key: string): T | undefined {
    return this.#entries.get(key)?.deref();
  }

  /** Returns the interned value for `key`, making it with `make` if there is none. */
  intern(key: string, make: () => T): T {
    const found = this.#entries.get(key)?.deref();
    if (found !== undefined) return found;
    const value = make();
    this.#entries.set(key, new WeakRef(value));
    this.#registry.register(value, key);
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
