// JSON type checking against the schemas, standing in for the Go decoder: a value of the wrong
// JSON type (a number where an object belongs, a string for a bool) is a 400 with upstream's
// "cannot unmarshal" wording, and never reaches defaulting or validation.
import { definitions, definitionNameFor, refName, type Schema } from './definitions.js';

type Node =
  | { k: 'any' }
  | { k: 'scalar'; json: 'string' | 'integer' | 'number' | 'boolean' | 'int-or-string' | 'quantity'; go: string }
  | { k: 'object'; go: string; props: Map<string, Node> }
  | { k: 'array'; go: string; items: Node }
  | { k: 'map'; go: string; values: Node };

const ANY: Node = { k: 'any' };
const compiledDefs = new Map<string, Node>();
const compiledKinds = new Map<string, Node | null>();

/** io.k8s.api.apps.v1.DeploymentSpec → v1.DeploymentSpec, as Go prints package-qualified types. */
function goName(def: string): string {
  const parts = def.split('.');
  return parts.slice(-2).join('.');
}

function goOf(n: Node): string {
  return n.k === 'any' ? 'interface {}' : n.go;
}

function compileDef(name: string): Node {
  const done = compiledDefs.get(name);
  if (done) return done;
  const def = definitions()[name];
  if (!def) return ANY;
  if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') return remember(name, { k: 'scalar', json: 'quantity', go: 'resource.Quantity' });
  if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') return remember(name, { k: 'scalar', json: 'int-or-string', go: 'intstr.IntOrString' });
  if (def.properties && !def['x-kubernetes-preserve-unknown-fields']) {
    const node: Node = { k: 'object', go: goName(name), props: new Map() };
    compiledDefs.set(name, node); // before filling: definitions can be recursive
    for (const [field, s] of Object.entries(def.properties)) node.props.set(field, compile(s));
    return node;
  }
  return remember(name, compile(def, goName(name)));
}

function remember(name: string, n: Node): Node {
  compiledDefs.set(name, n);
  return n;
}

function compile(s: Schema, go?: string): Node {
  if (s.$ref) return compileDef(refName(s.$ref));
  if (s['x-kubernetes-preserve-unknown-fields']) return ANY;
  if (s.format === 'int-or-string') return { k: 'scalar', json: 'int-or-string', go: go ?? 'intstr.IntOrString' };
  switch (s.type) {
    case 'string':
      return { k: 'scalar', json: 'string', go: go ?? (s.format === 'byte' ? '[]uint8' : 'string') };
    case 'integer':
      return { k: 'scalar', json: 'integer', go: go ?? (s.format === 'int64' ? 'int64' : 'int32') };
    case 'number':
      return { k: 'scalar', json: 'number', go: go ?? 'float64' };
    case 'boolean':
      return { k: 'scalar', json: 'boolean', go: go ?? 'bool' };
    case 'array': {
      if (!s.items) return ANY;
      const items = compile(s.items);
      return { k: 'array', go: `[]${goOf(items)}`, items };
    }
  }
  if (s.type === 'object' || s.properties) {
    if (s.properties) {
      const props = new Map<string, Node>();
      for (const [f, p] of Object.entries(s.properties)) props.set(f, compile(p));
      return { k: 'object', go: go ?? 'struct', props };
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      const values = compile(s.additionalProperties);
      return { k: 'map', go: `map[string]${goOf(values)}`, values };
    }
  }
  return ANY;
}

function jsonTypeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // string | number
}

export interface TypeError {
  /** Field path as Go reports it, e.g. "spec.replicas". */
  path: string;
  message: string;
}

function check(n: Node, v: unknown, path: string, root: string): TypeError | undefined {
  if (v === null || v === undefined || n.k === 'any') return undefined;
  const fail = (want: string, got = jsonTypeOf(v)) => ({
    path,
    message: `json: cannot unmarshal ${got}${got === 'number' && typeof v === 'number' && !Number.isInteger(v) ? ` ${v}` : ''} into Go struct field ${root}${path ? `.${path}` : ''} of type ${want}`,
  });
  switch (n.k) {
    case 'scalar':
      switch (n.json) {
        case 'string':
          return typeof v === 'string' ? undefined : fail(n.go);
        case 'boolean':
          return typeof v === 'boolean' ? undefined : fail(n.go);
        case 'integer':
          return typeof v === 'number' && Number.isInteger(v) ? undefined : fail(n.go);
        case 'number':
          return typeof v === 'number' ? undefined : fail(n.go);
        case 'int-or-string':
          return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)) ? undefined : fail(n.go);
        case 'quantity':
          return typeof v === 'string' || typeof v === 'number' ? undefined : fail(n.go);
      }
      return undefined;
    case 'object': {
      if (typeof v !== 'object' || Array.isArray(v)) return fail(n.go);
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        const p = n.props.get(k);
        if (!p) continue; // unknown fields are the field-validation check's business
        // Go decodes null into the zero value, which the JSON form omits.
        if (child === null) {
          delete (v as Record<string, unknown>)[k];
          continue;
        }
        // Go names the innermost struct holding the field, then the full dotted path.
        const e = check(p, child, path ? `${path}.${k}` : k, n.go === 'struct' ? root : n.go.split('.').pop()!);
        if (e) return e;
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(v)) return fail(n.go);
      for (let i = 0; i < v.length; i++) {
        if (v[i] === null) v[i] = zeroOf(n.items);
        const e = check(n.items, v[i], path, root);
        if (e) return e;
      }
      return undefined;
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return fail(n.go);
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        if (child === null) (v as Record<string, unknown>)[k] = zeroOf(n.values);
        const e = check(n.values, (v as Record<string, unknown>)[k], path, root);
        if (e) return e;
      }
      return undefined;
    }
  }
}

function zeroOf(n: Node): unknown {
  if (n.k === 'object' || n.k === 'map') return {};
  if (n.k === 'array') return [];
  if (n.k === 'scalar') return n.json === 'string' || n.json === 'quantity' ? '' : n.json === 'boolean' ? false : n.json === 'int-or-string' ? 0 : 0;
  return null;
}

/**
 * The first JSON type mismatch in `obj` against the kind's schema, if any. Also normalizes
 * nulls in place as the Go decoder would (dropped fields, zero-valued list items).
 */
export function findTypeError(group: string, version: string, kind: string, obj: unknown): TypeError | undefined {
  const key = `${group}/${version}/${kind}`;
  let node = compiledKinds.get(key);
  if (node === undefined) {
    const name = definitionNameFor(group, version, kind);
    node = name ? compileDef(name) : null;
    compiledKinds.set(key, node);
  }
  if (!node) return undefined;
  return check(node, obj, '', kind);
}
