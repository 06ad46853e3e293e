// Unknown-field detection for server-side field validation (fieldValidation=Strict|Warn).
// Paths are formatted as upstream's strict JSON decoder reports them: fields joined by ".",
// list indexes as "[i]", map keys as ".key" (e.g. spec.template.spec.containers[0].imagee).
// Schemas are compiled once per kind into a small tree so the check is one walk per write.
import { definitions, definitionNameFor, refName, type Schema } from './definitions.js';

type Node =
  | { k: 'any' }
  | { k: 'object'; props: Map<string, Node> }
  | { k: 'array'; items: Node }
  | { k: 'map'; values: Node };

const ANY: Node = { k: 'any' };

const compiledDefs = new Map<string, Node>();
const compiledKinds = new Map<string, Node | null>();

function compileDef(name: string): Node {
  const done = compiledDefs.get(name);
  if (done) return done;
  const def = definitions()[name];
  if (!def) return ANY;
  // Register the node before filling it in: definitions can be recursive (JSONSchemaProps).
  if (def.properties && !def['x-kubernetes-preserve-unknown-fields']) {
    const node: Node = { k: 'object', props: new Map() };
    compiledDefs.set(name, node);
    for (const [field, s] of Object.entries(def.properties)) node.props.set(field, compile(s));
    return node;
  }
  const node = compile(def);
  compiledDefs.set(name, node);
  return node;
}

function compile(s: Schema): Node {
  if (s.$ref) return compileDef(refName(s.$ref));
  if (s['x-kubernetes-preserve-unknown-fields']) return ANY;
  if (s.type === 'array') return s.items ? { k: 'array', items: compile(s.items) } : ANY;
  if (s.type === 'object' || s.properties) {
    if (s.properties) {
      const props = new Map<string, Node>();
      for (const [field, p] of Object.entries(s.properties)) props.set(field, compile(p));
      return { k: 'object', props };
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') return { k: 'map', values: compile(s.additionalProperties) };
    return ANY; // free-form object (RawExtension, FieldsV1)
  }
  return ANY; // scalars and untyped values: nothing below them to check
}

function compiledKind(group: string, version: string, kind: string): Node | null {
  const key = `${group}/${version}/${kind}`;
  let node = compiledKinds.get(key);
  if (node === undefined) {
    const name = definitionNameFor(group, version, kind);
    node = name ? compileDef(name) : null;
    compiledKinds.set(key, node);
  }
  return node;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(value: unknown, node: Node, path: string, out: string[]): void {
  switch (node.k) {
    case 'any':
      return;
    case 'object':
      if (!isPlainObject(value)) return; // a type mismatch is not an unknown field
      for (const key of Object.keys(value)) {
        const child = node.props.get(key);
        const p = path ? `${path}.${key}` : key;
        if (!child) out.push(p);
        else if (value[key] !== null) walk(value[key], child, p, out);
      }
      return;
    case 'array':
      if (!Array.isArray(value)) return;
      for (let i = 0; i < value.length; i++) if (value[i] !== null) walk(value[i], node.items, `${path}[${i}]`, out);
      return;
    case 'map':
      if (!isPlainObject(value) || node.values.k === 'any') return;
      for (const key of Object.keys(value)) if (value[key] !== null) walk(value[key], node.values, path ? `${path}.${key}` : key, out);
      return;
  }
}

/**
 * Paths of fields in `obj` that the schema of group/version/kind does not define, in document
 * order, e.g. ["spec.replica", "spec.template.spec.containers[0].imagee"]. Map keys (labels,
 * annotations, data, ...) are never reported. Kinds without a schema report nothing.
 */
export function findUnknownFields(group: string, version: string, kind: string, obj: unknown): string[] {
  const node = compiledKind(group, version, kind);
  if (!node) return [];
  const out: string[] = [];
  walk(obj, node, '', out);
  return out;
}

/** True when Skiff can check fields of this kind (it has a schema for this exact version). */
export function hasSchema(group: string, version: string, kind: string): boolean {
  return compiledKind(group, version, kind) !== null;
}

/** Upstream's message for fieldValidation=Strict: `strict decoding error: unknown field "a", unknown field "b"`. */
export function strictDecodingMessage(paths: string[]): string {
  return `strict decoding error: ${paths.map(unknownFieldWarning).join(', ')}`;
}

/** Upstream's per-field text, also used as the Warning header for fieldValidation=Warn. */
export function unknownFieldWarning(path: string): string {
  return `unknown field "${path}"`;
}
