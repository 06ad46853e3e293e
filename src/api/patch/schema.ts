// How patching and server-side apply see the shape of a Kubernetes object: which lists merge
// by key or as sets, which values are owned as one unit, which structs always exist. The facts
// come from upstream's Go struct tags (patchStrategy/patchMergeKey, +listType, +listMapKey,
// +structType/+mapType) and live in kube-types.ts. Anything not declared there is "open": objects
// are merged field by field, lists are atomic — the same defaults upstream uses.
import { KUBE_ROOTS, KUBE_TYPES } from './kube-types.js';

export type ListType = 'atomic' | 'set' | 'map';

/** One declared field of a struct type. Only fields that differ from the defaults are declared. */
export interface FieldSpec {
  /** Struct type of the value (or of each list item / map value), a key of KUBE_TYPES. */
  type?: string;
  /** map[string]X: keys are data, not field names; an empty map is the same as none. */
  map?: boolean;
  /** SSA: the whole value is owned as one unit. `false` overrides an atomic type (+structType=granular). */
  atomic?: boolean;
  /** A Go non-pointer struct: the typed form always carries it (as {} when unset). */
  value?: boolean;
  /** Encoded even when unset (no omitempty), as null: e.g. PodSpec.containers. */
  present?: boolean;
  /** SMP patchStrategy=merge: lists of objects merge by mergeKey, lists of scalars are unioned. */
  merge?: boolean;
  /** SMP patchMergeKey. */
  mergeKey?: string;
  /** SMP patchStrategy=replace on an object field. */
  replace?: boolean;
  /** SSA list type (+listType); lists are atomic unless declared. */
  listType?: ListType;
  /** SSA list map keys (+listMapKey). */
  keys?: string[];
  /** Defaults of key fields that may be omitted (e.g. protocol: TCP). */
  keyDefaults?: Record<string, unknown>;
}

export interface TypeSpec {
  atomic?: boolean;
  fields: Record<string, FieldSpec>;
}

/**
 * A resolved position in an object. `any` is an undeclared value: objects behave as open structs,
 * arrays as atomic lists, everything else as scalars.
 */
export interface Shape {
  kind: 'struct' | 'map' | 'list' | 'any';
  /** Declared fields (struct). */
  type?: TypeSpec;
  /** Map values / list items. */
  elem?: Shape;
  atomic: boolean;
  listType?: ListType;
  keys?: string[];
  keyDefaults?: Record<string, unknown>;
  merge?: boolean;
  mergeKey?: string;
  replace?: boolean;
  /** Go non-pointer struct field. */
  value?: boolean;
  /** Encoded as null when unset. */
  present?: boolean;
  /** Inside a kind Skiff knows: the typed form drops empty lists/maps and fills value structs. */
  typed: boolean;
}

const ANY_TYPED: Shape = { kind: 'any', atomic: false, typed: true };
const ANY_UNTYPED: Shape = { kind: 'any', atomic: false, typed: false };

export function anyShape(typed: boolean): Shape {
  return typed ? ANY_TYPED : ANY_UNTYPED;
}

/**
 * The shape of a whole object of this kind; the group (from apiVersion) picks between same-named
 * kinds (core vs events.k8s.io Event), else the first kind of that name is used.
 */
export function rootShape(kind: string, apiVersion?: string): Shape {
  const group = apiVersion && apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const typeName = KUBE_ROOTS[`${group}/${kind}`] ?? firstRootFor(kind);
  const type = typeName ? KUBE_TYPES[typeName] : undefined;
  if (!type) return { kind: 'struct', atomic: false, typed: false, type: { fields: {} } };
  return { kind: 'struct', type, atomic: false, typed: true };
}

function firstRootFor(kind: string): string | undefined {
  for (const [key, name] of Object.entries(KUBE_ROOTS)) if (key.endsWith(`/${kind}`)) return name;
  return undefined;
}

/** True when the kind has declared patch/apply metadata (i.e. it is a built-in type Skiff knows). */
export function isKnownKind(kind: string, apiVersion?: string): boolean {
  return rootShape(kind, apiVersion).typed;
}

function fromSpec(spec: FieldSpec, typed: boolean): Shape {
  const type = spec.type ? KUBE_TYPES[spec.type] : undefined;
  const isList = spec.listType !== undefined || spec.merge === true || spec.mergeKey !== undefined || spec.keys !== undefined;
  if (isList) {
    const listType: ListType = spec.listType ?? (spec.keys ? 'map' : 'atomic');
    return {
      kind: 'list',
      elem: type ? { kind: 'struct', type, atomic: type.atomic === true, typed } : anyShape(typed),
      atomic: listType === 'atomic',
      listType,
      keys: spec.keys ?? [],
      keyDefaults: spec.keyDefaults ?? {},
      merge: spec.merge === true,
      mergeKey: spec.mergeKey,
      present: spec.present,
      typed,
    };
  }
  if (spec.map) {
    return {
      kind: 'map',
      elem: type ? { kind: 'struct', type, atomic: type.atomic === true, typed } : anyShape(typed),
      atomic: spec.atomic === true,
      replace: spec.replace,
      typed,
    };
  }
  if (type) {
    return {
      kind: 'struct',
      type,
      atomic: spec.atomic ?? type.atomic === true,
      replace: spec.replace,
      value: spec.value,
      typed,
    };
  }
  return { kind: 'any', atomic: spec.atomic === true, replace: spec.replace, value: spec.value, typed };
}

/** Shape of field/key `name` inside an object of shape `parent`. */
export function childShape(parent: Shape, name: string): Shape {
  if (parent.kind === 'map') return parent.elem ?? anyShape(parent.typed);
  if (parent.kind === 'struct') {
    const spec = parent.type?.fields[name];
    if (spec) return fromSpec(spec, parent.typed);
  }
  return anyShape(parent.typed);
}

/** Shape of the items of a list. */
export function itemShape(list: Shape): Shape {
  return list.elem ?? anyShape(list.typed);
}

/** Keys of an object with this shape are struct field names (not map data keys). */
export function hasNamedFields(shape: Shape): boolean {
  return shape.kind !== 'map';
}

/**
 * Fields the typed (Go) form of a struct always carries: non-pointer structs as {}, and
 * fields without omitempty as null.
 */
export function alwaysPresentFields(shape: Shape): [string, {} | null][] {
  if (shape.kind !== 'struct' || !shape.type) return [];
  const out: [string, {} | null][] = [];
  for (const [n, f] of Object.entries(shape.type.fields)) {
    if (f.value) out.push([n, {}]);
    else if (f.present) out.push([n, null]);
  }
  return out;
}

/** How a walker treats a value at this shape. */
export type Category = 'leaf' | 'object' | 'set' | 'assoc';

export function categorize(shape: Shape, v: unknown): Category {
  if (shape.atomic) return 'leaf';
  if (isObject(v)) {
    if (shape.kind === 'struct' || shape.kind === 'map' || shape.kind === 'any') return 'object';
    return 'leaf';
  }
  if (Array.isArray(v)) {
    if (shape.kind !== 'list') return 'leaf';
    if (shape.listType === 'set') return 'set';
    if (shape.listType === 'map') return 'assoc';
    return 'leaf';
  }
  return 'leaf';
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
