// Field paths and field sets as server-side apply tracks them, with the exact `fieldsV1`
// encoding upstream stores in metadata.managedFields:
//   f:<name>       a struct field or map key
//   k:{"name":"x"} an item of an associative list, by its key fields (sorted by name)
//   v:"x"          an item of a set (list of scalars)
//   i:3            a list item by position
// A path element is kept in that serialized form; it doubles as its identity.

/** One step of a path, in fieldsV1 form ("f:spec", `k:{"name":"a"}`, `v:"x"`, "i:0"). */
export type PathElement = string;
export type Path = PathElement[];

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** An associative-list item; key fields are sorted by name as upstream does. */
export function keyElement(fields: [string, unknown][]): PathElement {
  const sorted = [...fields].sort((a, b) => compareStrings(a[0], b[0]));
  return `k:{${sorted.map(([n, v]) => `${JSON.stringify(n)}:${encodeValue(v)}`).join(',')}}`;
}

export function valueElement(v: unknown): PathElement {
  return `v:${encodeValue(v)}`;
}

export function indexElement(i: number): PathElement {
  return `i:${i}`;
}

/** Compact JSON with object keys sorted, as the fieldsV1 writer emits values. */
function encodeValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(encodeValue).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v as Record<string, unknown>).sort((a, b) => compareStrings(a[0], b[0]));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${encodeValue(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** ".spec.containers[name=\"nginx\"].image" — how conflicts name a path. */
export function pathString(path: Path): string {
  return path.map(elementString).join('');
}

function elementString(pe: PathElement): string {
  const body = pe.slice(2);
  switch (pe[0]) {
    case 'f':
      return `.${body}`;
    case 'k': {
      const fields = Object.entries(JSON.parse(body) as Record<string, unknown>);
      return `[${fields.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
    }
    case 'v':
      return `[=${valueString(JSON.parse(body))}]`;
    case 'i':
      return `[${body}]`;
    default:
      return '{{invalid path element}}';
  }
}

/** Upstream's value.ToString: strings quoted, numbers and booleans bare. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}=${valueString(x)}`)
      .join('');
  }
  return String(v);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Value ordering across types, as upstream sorts: numbers, strings, booleans, lists, maps, null.
function typeRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (typeof v === 'object' && v !== null) return 4;
  return 5;
}

function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (ra === 4) return compareStrings(encodeValue(a), encodeValue(b));
  return 0;
}

const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Upstream's PathElement ordering: fields, then keys, then values, then indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  if (a === b) return 0;
  // Two fields (the common case): same "f:" prefix, so the whole strings order as the names do.
  if (a.charCodeAt(0) === 102 && b.charCodeAt(0) === 102 && a.charCodeAt(1) === 58 && b.charCodeAt(1) === 58) return a < b ? -1 : 1;
  const ka = KIND_ORDER[a[0]] ?? 4;
  const kb = KIND_ORDER[b[0]] ?? 4;
  if (ka !== kb) return ka - kb;
  const ba = a.slice(2);
  const bb = b.slice(2);
  switch (a[0]) {
    case 'f':
      return compareStrings(ba, bb);
    case 'k': {
      const fa = Object.entries(JSON.parse(ba) as Record<string, unknown>);
      const fb = Object.entries(JSON.parse(bb) as Record<string, unknown>);
      for (let i = 0; ; i++) {
        if (i >= fa.length && i >= fb.length) return 0;
        if (i >= fa.length) return -1;
        if (i >= fb.length) return 1;
        const c = compareStrings(fa[i][0], fb[i][0]) || compareValues(fa[i][1], fb[i][1]);
        if (c !== 0) return c;
      }
    }
    case 'v':
      return compareValues(JSON.parse(ba), JSON.parse(bb));
    case 'i':
      return Number(ba) - Number(bb);
    default:
      return compareStrings(a, b);
  }
}

/**
 * A set of paths, as a tree: `members` are paths ending at this node's children; `children`
 * hold deeper paths. A path can be both a member and a prefix of other members.
 */
export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) {
      let next = node.children.get(path[i]);
      if (!next) {
        next = new FieldSet();
        node.children.set(path[i], next);
      }
      node = next;
    }
    node.members.add(path[path.length - 1]);
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]);
    return node !== undefined && node.members.has(path[path.length - 1]);
  }

  /** The paths below `pe`, relative to it (upstream's WithPrefix). */
  child(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe);
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const m of other.members) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      out.children.set(pe, o ? c.union(o) : c.clone());
    }
    for (const [pe, c] of other.children) if (!this.children.has(pe)) out.children.set(pe, c.clone());
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.isEmpty()) out.children.set(pe, i);
    }
    return out;
  }

  /** Paths of this set that are not paths of `other` (exact paths: members, not subtrees). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      const d = o ? c.difference(o) : c.clone();
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  /** Like difference, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      if (other.members.has(pe)) continue;
      const o = other.children.get(pe);
      const d = o ? c.recursiveDifference(o) : c.clone();
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, c] of this.children) out.children.set(pe, c.clone());
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** All member paths, in upstream's iteration order (sorted; a level's members before its children). */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (s: FieldSet, prefix: Path): void => {
      for (const m of [...s.members].sort(compareElements)) out.push([...prefix, m]);
      for (const pe of [...s.children.keys()].sort(compareElements)) walk(s.children.get(pe)!, [...prefix, pe]);
    };
    walk(this, []);
    return out;
  }

  /** The fieldsV1 object: `{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(self: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (self) out['.'] = {};
    const keys = new Set<PathElement>(this.members);
    const nonEmpty = new Set<PathElement>();
    for (const [pe, c] of this.children) {
      if (c.isEmpty()) continue;
      keys.add(pe);
      nonEmpty.add(pe);
    }
    for (const pe of [...keys].sort(compareElements)) {
      out[pe] = nonEmpty.has(pe) ? this.children.get(pe)!.emit(this.members.has(pe)) : {};
    }
    return out;
  }

  /** Parse fieldsV1; throws on a malformed document. */
  static fromFieldsV1(doc: unknown): FieldSet {
    const out = new FieldSet();
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('FieldsV1 must be an object');
    for (const [pe, v] of Object.entries(doc as Record<string, unknown>)) {
      if (pe === '.') continue;
      if (!/^[fkvi]:/.test(pe)) throw new Error(`parsing JSON: unknown path element prefix in ${JSON.stringify(pe)}`);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`expected an object for ${pe}`);
      const entries = Object.keys(v);
      if (entries.length === 0 || entries.includes('.')) out.members.add(pe);
      const child = FieldSet.fromFieldsV1(v);
      if (!child.isEmpty()) out.children.set(pe, child);
    }
    return out;
  }
}
