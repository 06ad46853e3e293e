// The protobuf field table of the Kubernetes API types (fields.generated.json, produced by
// scripts/gen-protobuf-fields.mjs from the upstream type definitions), loaded on first use:
// only processes that meet a protobuf body pay for it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Scalar protobuf types used by the Kubernetes API. */
export type ScalarType = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'double' | 'float';

/** Messages whose JSON form differs from their protobuf shape. */
export type SpecialType = 'Quantity' | 'Time' | 'MicroTime' | 'Duration' | 'FieldsV1' | 'RawExtension' | 'IntOrString';

export interface FieldInfo {
  /** JSON name; '-' for fields that exist on the protobuf wire only. Absent when `inline`. */
  json?: string;
  /** A scalar type, 'map', or a full message name (k8s.io.api.core.v1.PodSpec). */
  type: string;
  key?: string;
  value?: string;
  repeated?: boolean;
  /** Go pointer field: present only when set, zero values are kept in JSON. */
  ptr?: boolean;
  /** `json:",omitempty"`: zero scalars are left out of the JSON form. */
  omitEmpty?: boolean;
  /** `json:",inline"`: the message's fields sit directly in the parent JSON object. */
  inline?: boolean;
}

export interface MessageInfo {
  fields?: Record<string, FieldInfo>;
  special?: SpecialType;
  /** A named Go slice type (`type Verbs []string`): JSON is a bare array of this type. */
  listOf?: string;
}

interface Table {
  packages: Record<string, string>;
  messages: Record<string, MessageInfo>;
}

const META_PACKAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1';
// Next to the compiled module when the build copies it, else in the source tree.
const CANDIDATES = ['./fields.generated.json', '../../../../src/api/protobuf/fields.generated.json'];

let table: Table | undefined;

function load(): Table {
  if (table) return table;
  let lastErr: unknown;
  for (const rel of CANDIDATES) {
    try {
      table = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as Table;
      return table;
    } catch (err) {
      lastErr = err;
    }
  }
  throw new Error(`fields.generated.json not found (run scripts/gen-protobuf-fields.mjs): ${String(lastErr)}`);
}

export function isScalar(type: string): type is ScalarType {
  return !type.includes('.');
}

/** The message description for a full name; throws for names outside the table. */
export function messageInfo(name: string): MessageInfo {
  const m = load().messages[name];
  if (!m) throw new Error(`no protobuf description for message ${name}`);
  return m;
}

/**
 * The message that carries objects of this apiVersion/kind, e.g. ('apps/v1', 'Deployment') →
 * k8s.io.api.apps.v1.Deployment. meta/v1 kinds (DeleteOptions, Status, …) are registered in every
 * group version upstream, so they are found through any known apiVersion.
 */
export function messageNameFor(apiVersion: string, kind: string): string | undefined {
  const t = load();
  const pkg = t.packages[apiVersion];
  if (!pkg) return undefined;
  if (t.messages[`${pkg}.${kind}`]?.fields) return `${pkg}.${kind}`;
  if (t.messages[`${META_PACKAGE}.${kind}`]?.fields) return `${META_PACKAGE}.${kind}`;
  return undefined;
}

const sortedCache = new WeakMap<MessageInfo, [number, FieldInfo][]>();

/** Fields of a message sorted by number (the order upstream writes them). */
export function sortedFields(m: MessageInfo): [number, FieldInfo][] {
  let out = sortedCache.get(m);
  if (!out) {
    out = Object.entries(m.fields ?? {})
      .map(([n, f]) => [Number(n), f] as [number, FieldInfo])
      .sort((a, b) => a[0] - b[0]);
    sortedCache.set(m, out);
  }
  return out;
}
