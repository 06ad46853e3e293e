// Schema-aware walks over objects, the operations server-side apply is built from (as
// upstream's structured-merge-diff defines them): the set of fields a value sets, the
// difference between two values, merging an applied configuration into a live object, and
// removing a set of fields. Lists with keys are addressed by key, sets by value; atomic values
// are single leaves.
import { FieldSet, fieldElement, indexElement, keyElement, pathString, valueElement } from './fieldpath.js';
import type { Path, PathElement } from './fieldpath.js';
import { alwaysPresentFields as declaredAlwaysPresent, categorize, childShape as resolveChild, hasNamedFields, isObject, itemShape } from './schema.js';
import type { Shape, TypeSpec } from './schema.js';

type Obj = Record<string, unknown>;

// Shapes are immutable, and every write walks the same declared fields several times (typed
// form, always-present fields, compare): resolve each declared field's shape once. Map keys and
// undeclared names resolve without allocating, and caching them would grow without bound.
const declaredChildren = new WeakMap<Shape, Map<string, Shape>>();

function childShape(parent: Shape, name: string): Shape {
  if (parent.kind !== 'struct' || !parent.type?.fields[name]) return resolveChild(parent, name);
  let known = declaredChildren.get(parent);
  if (!known) declaredChildren.set(parent, (known = new Map()));
  let s = known.get(name);
  if (!s) known.set(name, (s = resolveChild(parent, name)));
  return s;
}

const presentByType = new WeakMap<TypeSpec, [string, {} | null][]>();

/** The struct's always-present fields (fills are templates: callers copy, never keep, them). */
function alwaysPresentFields(shape: Shape): [string, {} | null][] {
  if (shape.kind !== 'struct' || !shape.type) return declaredAlwaysPresent(shape);
  let fields = presentByType.get(shape.type);
  if (!fields) presentByType.set(shape.type, (fields = declaredAlwaysPresent(shape)));
  return fields;
}

/** The path element of a list item, or an error message as upstream words it. */
export function itemElement(list: Shape, item: unknown): PathElement | { error: string } {
  if (list.listType === 'set') return valueElement(item);
  if (item === null) return { error: 'associative list with keys may not have a null element' };
  if (!isObject(item)) return { error: 'associative list with keys may not have non-map elements' };
  const fields: [string, unknown][] = [];
  for (const key of list.keys ?? []) {
    if (item[key] !== undefined) fields.push([key, item[key]]);
    else if (list.keyDefaults && key in list.keyDefaults) fields.push([key, list.keyDefaults[key]]);
    else return { error: `associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)` };
  }
  if (fields.length === 0) return indexElement(0);
  return keyElement(fields);
}

interface IndexedList {
  pes: PathElement[];
  items: unknown[];
  /** First item per element. */
  byPe: Map<PathElement, unknown>;
}

/** Items of a keyed/set list with their path elements; items without a usable key keep their index. */
function indexList(list: Shape, items: unknown[]): IndexedList {
  const out: IndexedList = { pes: [], items, byPe: new Map() };
  items.forEach((item, i) => {
    const pe = itemElement(list, item);
    const key = typeof pe === 'string' ? pe : indexElement(i);
    out.pes.push(key);
    if (!out.byPe.has(key)) out.byPe.set(key, item);
  });
  return out;
}

/**
 * The fields a value sets (upstream's ToFieldSet): leaves, list items, map entries and empty
 * or null values. `strict` reports missing keys and duplicate items (for applied configurations).
 */
export function toFieldSet(shape: Shape, value: unknown, strict = false): { set: FieldSet; errors: string[] } {
  const set = new FieldSet();
  const errors: string[] = [];
  const walk = (s: Shape, v: unknown, path: Path): void => {
    const cat = categorize(s, v);
    if (cat === 'leaf') {
      set.insert(path);
      return;
    }
    if (cat === 'object') {
      const named = hasNamedFields(s);
      for (const [k, cv] of Object.entries(v as Obj)) {
        if (cv === undefined) continue;
        const p = [...path, fieldElement(k)];
        walk(childShape(s, k), cv, p);
        if (cv === null || (isObject(cv) && Object.keys(cv).length === 0) || !named) set.insert(p);
      }
      return;
    }
    const seen = new Set<PathElement>();
    (v as unknown[]).forEach((item, i) => {
      const pe = itemElement(s, item);
      if (typeof pe !== 'string') {
        if (strict) errors.push(`${pathString(path)}: element ${i}: ${pe.error}`);
        return;
      }
      if (seen.has(pe)) {
        if (strict) errors.push(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
        return;
      }
      seen.add(pe);
      const p = [...path, pe];
      walk(itemShape(s), item, p);
      set.insert(p);
    });
  };
  walk(shape, value, []);
  return { set, errors };
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** What changed from `lhs` to `rhs` (upstream's Compare). `undefined` means absent. */
export function compare(shape: Shape, lhs: unknown, rhs: unknown): Comparison {
  const c: Comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  const walk = (s: Shape, l: unknown, r: unknown, path: Path): void => {
    // A null beside a non-empty list/object is that container, present but empty: its items
    // are added/removed, the field itself is not.
    if (l === null && isNonEmptyContainer(r)) l = Array.isArray(r) ? [] : {};
    else if (r === null && isNonEmptyContainer(l)) r = Array.isArray(l) ? [] : {};
    let cat = categorize(s, r !== undefined ? r : l);
    if (l !== undefined && r !== undefined && categorize(s, l) !== cat) cat = 'leaf';
    const leaf = (): void => {
      if (path.length === 0) return;
      if (l === undefined) c.added.insert(path);
      else if (r === undefined) c.removed.insert(path);
      else if (!deepEqual(l, r)) c.modified.insert(path);
    };
    const item = (): void => {
      if (path.length === 0) return;
      if (l === undefined) c.added.insert(path);
      else if (r === undefined) c.removed.insert(path);
    };
    if (cat === 'object') {
      const lo = l as Obj | undefined;
      const ro = r as Obj | undefined;
      if (isEmptyObj(lo) && isEmptyObj(ro)) return leaf();
      const keys = new Set([...Object.keys(lo ?? {}), ...Object.keys(ro ?? {})]);
      for (const k of keys) {
        const lv = lo?.[k];
        const rv = ro?.[k];
        if (lv === undefined && rv === undefined) continue;
        walk(childShape(s, k), lv, rv, [...path, fieldElement(k)]);
      }
      return item();
    }
    if (cat === 'set' || cat === 'assoc') {
      const la = (l as unknown[] | undefined) ?? [];
      const ra = (r as unknown[] | undefined) ?? [];
      if (la.length === 0 && ra.length === 0) return leaf();
      const li = indexList(s, la);
      const ri = indexList(s, ra);
      const pes = new Set([...li.pes, ...ri.pes]);
      for (const pe of pes) walk(itemShape(s), li.byPe.get(pe), ri.byPe.get(pe), [...path, pe]);
      return item();
    }
    leaf();
  };
  walk(shape, lhs, rhs, []);
  return c;
}

/** Merge an applied configuration into a live object: the configuration wins, lists merge by key. */
export function mergeApplied(shape: Shape, live: unknown, config: unknown): unknown {
  const walk = (s: Shape, l: unknown, r: unknown): unknown => {
    let cat = categorize(s, r !== undefined ? r : l);
    if (l !== undefined && r !== undefined && categorize(s, l) !== cat) cat = 'leaf';
    if (cat === 'object') {
      const lo = l as Obj | undefined;
      const ro = r as Obj | undefined;
      if (isEmptyObj(lo) && isEmptyObj(ro)) return r !== undefined ? r : l;
      const out: Obj = {};
      for (const k of new Set([...Object.keys(lo ?? {}), ...Object.keys(ro ?? {})])) {
        const v = walk(childShape(s, k), lo?.[k], ro?.[k]);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    if (cat === 'set' || cat === 'assoc') {
      const la = (l as unknown[] | undefined) ?? [];
      const ra = (r as unknown[] | undefined) ?? [];
      if (la.length === 0 && ra.length === 0) return r !== undefined ? r : l;
      return mergeLists(indexList(s, la), indexList(s, ra), (lv, rv) => walk(itemShape(s), lv, rv));
    }
    return r !== undefined ? r : l;
  };
  return walk(shape, live, config);
}

/**
 * Upstream's list merge order: live-only items stay where they were, items in both follow the
 * configuration's order, new items come where the configuration puts them.
 */
function mergeLists(l: IndexedList, r: IndexedList, merge: (l: unknown, r: unknown) => unknown): unknown[] {
  const out: unknown[] = [];
  const shared = r.pes.filter((pe) => l.byPe.has(pe));
  let sharedAt = 0;
  let nextShared: PathElement | undefined = shared[0];
  const advance = (): void => {
    sharedAt++;
    nextShared = shared[sharedAt];
  };
  const mergedRhs = new Set<PathElement>();
  const push = (v: unknown): void => {
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < l.pes.length || ri < r.pes.length) {
    if (li < l.pes.length && ri < r.pes.length) {
      const pe = l.pes[li];
      if (pe === r.pes[ri]) {
        mergedRhs.add(pe);
        push(merge(l.byPe.get(pe), r.byPe.get(pe)));
        li++;
        ri++;
        advance();
        continue;
      }
      if (r.byPe.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < l.pes.length) {
      const pe = l.pes[li];
      if (!r.byPe.has(pe)) {
        push(merge(l.items[li], undefined));
        li++;
        continue;
      } else if (mergedRhs.has(pe)) {
        li++;
      }
    }
    if (ri < r.pes.length) {
      const pe = r.pes[ri];
      mergedRhs.add(pe);
      push(merge(l.byPe.get(pe), r.byPe.get(pe)));
      ri++;
      if (nextShared === pe) advance();
    }
  }
  return out;
}

/** Remove the given fields (and everything below them) from a value (upstream's RemoveItems). */
export function removeItems(shape: Shape, value: unknown, toRemove: FieldSet): unknown {
  const walk = (s: Shape, v: unknown, set: FieldSet): unknown => {
    const cat = categorize(s, v);
    if (cat === 'object') {
      const o = v as Obj;
      if (Object.keys(o).length === 0) return v;
      const out: Obj = {};
      for (const [k, cv] of Object.entries(o)) {
        const pe = fieldElement(k);
        if (set.members.has(pe)) continue;
        const sub = set.child(pe);
        if (sub && !sub.isEmpty()) {
          const nv = walk(childShape(s, k), cv, sub);
          if (nv !== undefined) out[k] = nv;
        } else {
          out[k] = cv;
        }
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    if (cat === 'set' || cat === 'assoc') {
      const a = v as unknown[];
      if (a.length === 0) return v;
      const out: unknown[] = [];
      for (const item of a) {
        const pe = itemElement(s, item);
        if (typeof pe !== 'string') {
          out.push(item);
          continue;
        }
        if (set.members.has(pe)) continue;
        const sub = set.child(pe);
        if (sub && !sub.isEmpty()) {
          const nv = walk(itemShape(s), item, sub);
          if (nv !== undefined) out.push(nv);
        } else {
          out.push(item);
        }
      }
      return out.length > 0 ? out : undefined;
    }
    return v;
  };
  return walk(shape, value, toRemove);
}

/** Make every struct field on the way to a member a member too (upstream's EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(shape: Shape, set: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [pe, c] of set.children) {
    const isField = pe.startsWith('f:');
    if (isField && hasNamedFields(shape) && shape.kind !== 'list') out.members.add(pe);
    const cs = isField ? childShape(shape, pe.slice(2)) : itemShape(shape);
    out.children.set(pe, ensureNamedFieldsAreMembers(cs, c));
  }
  return out;
}

/**
 * The object as upstream's typed (Go) form holds it: nulls, empty lists and empty maps dropped,
 * as their omitempty encoding does. Unknown kinds are left as they are.
 */
export function typedForm(shape: Shape, value: unknown): unknown {
  if (!shape.typed) return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    const el = itemShape(shape);
    return value.map((x) => (x === null ? x : (typedForm(el, x) ?? (isObject(x) ? {} : x))));
  }
  if (isObject(value)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      const nv = typedForm(childShape(shape, k), v);
      if (nv !== undefined) out[k] = nv;
    }
    if (shape.kind === 'map' && Object.keys(out).length === 0) return undefined;
    return out;
  }
  return value;
}

/** Add what the typed (Go) form always carries: non-pointer structs as {}, non-omitempty lists as null (before comparing). */
export function withAlwaysPresent(shape: Shape, value: unknown): unknown {
  if (!shape.typed) return value;
  if (Array.isArray(value)) {
    if (shape.kind !== 'list') return value;
    const el = itemShape(shape);
    return value.map((x) => withAlwaysPresent(el, x));
  }
  if (!isObject(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) out[k] = withAlwaysPresent(childShape(shape, k), v);
  for (const [f, fill] of alwaysPresentFields(shape)) {
    if (!(f in out)) out[f] = fill === null ? null : withAlwaysPresent(childShape(shape, f), fill);
  }
  return out;
}

/** Drop null-valued fields at every level (a null field decodes to its zero value, which is omitted). */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isObject(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = dropNulls(v);
  return out;
}

function isNonEmptyContainer(v: unknown): boolean {
  return (Array.isArray(v) && v.length > 0) || (isObject(v) && Object.keys(v).length > 0);
}

function isEmptyObj(o: Obj | undefined): boolean {
  return o === undefined || Object.keys(o).length === 0;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
