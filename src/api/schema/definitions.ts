// OpenAPI definitions of every Kubernetes type, named as upstream names them
// (io.k8s.api.apps.v1.Deployment, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, ...).
// The data is generated from kubernetes-types by scripts/gen-schemas.mjs into
// schemas.generated.json and loaded on first use: most processes never need it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A Swagger 2.0 schema object, as much of it as Kubernetes definitions use. */
export interface Schema {
  description?: string;
  type?: string;
  format?: string;
  $ref?: string;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [extension: `x-${string}`]: unknown;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Prefix of every `$ref` in the definitions (Swagger 2.0 style). */
export const REF_PREFIX = '#/definitions/';

// Next to the compiled module when the build copies it, else in the source tree.
const CANDIDATES = ['./schemas.generated.json', '../../../../src/api/schema/schemas.generated.json'];

let defs: Record<string, Schema> | undefined;
let byGvk: Map<string, string> | undefined;

/** All definitions, keyed by upstream definition name. Do not mutate. */
export function definitions(): Readonly<Record<string, Schema>> {
  if (!defs) {
    let lastErr: unknown;
    for (const rel of CANDIDATES) {
      try {
        defs = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as Record<string, Schema>;
        break;
      } catch (err) {
        lastErr = err;
      }
    }
    if (!defs) throw new Error(`schemas.generated.json not found (run scripts/gen-schemas.mjs): ${String(lastErr)}`);
  }
  return defs;
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/** The definition name tagged with this group/version/kind, e.g. io.k8s.api.apps.v1.Deployment. */
export function definitionNameFor(group: string, version: string, kind: string): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, s] of Object.entries(definitions())) {
      for (const g of s['x-kubernetes-group-version-kind'] ?? []) {
        const key = gvkKey(g.group, g.version, g.kind);
        if (!byGvk.has(key)) byGvk.set(key, name);
      }
    }
  }
  return byGvk.get(gvkKey(group, version, kind));
}

/** The schema of a top-level kind, or undefined when Skiff has none for that version. */
export function schemaFor(group: string, version: string, kind: string): Schema | undefined {
  const name = definitionNameFor(group, version, kind);
  return name ? definitions()[name] : undefined;
}

/** "#/definitions/io.k8s.X" → "io.k8s.X". */
export function refName(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}
