import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { PolicyError } from '../types.js';

/** JSON-pointer segments. */
export type Path = readonly (string | number)[];

/** A parsed document with the positions of its nodes. */
export interface SourceDoc {
  readonly value: unknown;
  /** 1-based line/column of the value at `path` (of its key when `key`), nearest existing ancestor otherwise. */
  locate(path: Path, key?: boolean): { line: number; column: number };
  /**
   * Offset of character 0 of the string scalar at `path` in the source, when the scalar's
   * source text maps one-to-one to its value (plain, or quoted without escapes on one line).
   */
  exactStringStart(path: Path): number | undefined;
  position(offset: number): { line: number; column: number };
}

export function pointer(path: Path): string {
  return path.length === 0 ? '' : '/' + path.map((s) => String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

export function makeError(doc: SourceDoc | undefined, code: string, message: string, path: Path, key = false): PolicyError {
  const pos = doc === undefined ? { line: 1, column: 1 } : doc.locate(path, key);
  return { code, message, path: pointer(path), line: pos.line, column: pos.column };
}

/**
 * Parses YAML (or JSON, which is YAML) keeping positions. Object input is rendered as
 * `JSON.stringify(value, null, 2)` first so errors still carry a line and column.
 */
export function parseSource(source: string | object, format: 'yaml' | 'json'): { ok: true; doc: SourceDoc } | { ok: false; errors: PolicyError[] } {
  let text: string;
  if (typeof source === 'string') {
    text = source;
  } else {
    try {
      text = JSON.stringify(source, null, 2);
    } catch (e) {
      return { ok: false, errors: [{ code: 'input.invalid', message: `policy object is not JSON-serializable: ${(e as Error).message}`, path: '', line: 1, column: 1 }] };
    }
    if (typeof text !== 'string') return { ok: false, errors: [{ code: 'input.invalid', message: 'policy object is not JSON-serializable', path: '', line: 1, column: 1 }] };
  }
  if (format === 'json' && typeof source === 'string') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      const m = /position (\d+)/.exec(msg);
      const offset = m ? Math.min(Number(m[1]), text.length) : 0;
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const at = { line, column: offset - before.lastIndexOf('\n') };
      return { ok: false, errors: [{ code: 'json.syntax', message: msg, path: '', ...at }] };
    }
    // Valid JSON is valid YAML with the same value, except for repeated keys (a YAML error)
    // and `__proto__` keys (which the two build differently): those take the YAML road.
    // Otherwise the YAML document, with its source positions, is only built if an error
    // needs a line and column — a policy that compiles never pays for it (an enforcer
    // activating 1,000 tenants' JSON snapshots would otherwise build 1,000 YAML trees).
    if (!needsYamlRoad(text)) return { ok: true, doc: new JsonSourceDoc(value, () => yamlSource(text)) };
  }
  return yamlSource(text);
}

function yamlSource(text: string): { ok: true; doc: YamlSourceDoc } | { ok: false; errors: PolicyError[] } {
  const lc = new LineCounter();
  const position = (offset: number): { line: number; column: number } => {
    const p = lc.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const ydoc = parseDocument(text, { lineCounter: lc, schema: 'core', uniqueKeys: true, prettyErrors: false, strict: true });
  if (ydoc.errors.length > 0) {
    return {
      ok: false,
      errors: ydoc.errors.map((e) => ({ code: 'yaml.syntax', message: e.message.split('\n')[0] ?? e.message, path: '', ...position(e.pos[0]) })),
    };
  }
  // Collection keys (`? [a]`) would be stringified by toJS, with a process warning.
  const keyErrors: PolicyError[] = [];
  visit(ydoc, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const at = position((pair.key as Node).range?.[0] ?? 0);
        keyErrors.push({ code: 'yaml.syntax', message: 'mapping keys must be plain strings, not collections', path: '', ...at });
      }
    },
  });
  if (keyErrors.length > 0) return { ok: false, errors: keyErrors };
  let value: unknown;
  try {
    value = ydoc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return { ok: false, errors: [{ code: 'yaml.syntax', message: (e as Error).message, path: '', line: 1, column: 1 }] };
  }
  return { ok: true, doc: new YamlSourceDoc(ydoc, value, text, position) };
}

/**
 * True when valid JSON text has an object with a repeated key or a `__proto__` key. Only
 * called on text JSON.parse accepted, so the structure is well-formed.
 */
function needsYamlRoad(text: string): boolean {
  const stack: (Set<string> | null)[] = []; // keys seen per open object; null for arrays
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      if (expectKey) {
        const raw = text.slice(start, i + 1);
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        const keys = stack[stack.length - 1];
        if (keys === undefined || keys === null || key === '__proto__' || keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = (stack[stack.length - 1] ?? null) !== null;
    }
  }
  return false;
}

/** A JSON policy's value, with source positions from its YAML document built on first need. */
class JsonSourceDoc implements SourceDoc {
  #located: SourceDoc | undefined;

  constructor(
    readonly value: unknown,
    private readonly build: () => { ok: true; doc: SourceDoc } | { ok: false; errors: PolicyError[] },
  ) {}

  private get located(): SourceDoc | undefined {
    if (this.#located === undefined) {
      const built = this.build();
      if (built.ok) this.#located = built.doc;
    }
    return this.#located;
  }

  locate(path: Path, key = false): { line: number; column: number } {
    return this.located?.locate(path, key) ?? { line: 1, column: 1 };
  }

  exactStringStart(path: Path): number | undefined {
    return this.located?.exactStringStart(path);
  }

  position(offset: number): { line: number; column: number } {
    return this.located?.position(offset) ?? { line: 1, column: 1 };
  }
}

class YamlSourceDoc implements SourceDoc {
  constructor(
    private readonly ydoc: Document,
    readonly value: unknown,
    private readonly text: string,
    readonly position: (offset: number) => { line: number; column: number },
  ) {}

  private walk(path: Path): { node: Node | null; keyNode: Node | null } {
    let node: unknown = this.ydoc.contents;
    let keyNode: Node | null = null;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair === undefined) return { node: node as Node, keyNode: null };
        keyNode = pair.key as Node;
        node = pair.value;
        if (node === null || node === undefined) return { node: keyNode, keyNode };
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return { node: node as Node, keyNode: null };
        keyNode = null;
        node = item;
      } else {
        return { node: (node as Node | null) ?? null, keyNode: null };
      }
    }
    return { node: (node as Node | null) ?? null, keyNode };
  }

  locate(path: Path, key = false): { line: number; column: number } {
    const { node, keyNode } = this.walk(path);
    const target = key && keyNode !== null ? keyNode : node;
    const offset = target?.range?.[0] ?? 0;
    return this.position(offset);
  }

  exactStringStart(path: Path): number | undefined {
    const { node } = this.walk(path);
    if (!isScalar(node) || typeof node.value !== 'string' || node.range === undefined || node.range === null) return undefined;
    const [start, end] = node.range;
    const raw = this.text.slice(start, end);
    const value = node.value;
    if (node.type === 'PLAIN' && raw === value) return start;
    if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && raw.slice(1, -1) === value) return start + 1;
    return undefined;
  }
}
