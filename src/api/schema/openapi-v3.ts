// Swagger 2.0 → OpenAPI 3.0 conversion, following the forms kube-apiserver publishes under
// /openapi/v3: refs under #/components/schemas, a $ref with siblings (description, ...)
// wrapped in allOf (kubectl explain follows both), request bodies and response content per
// media type, Quantity/IntOrString as oneOf.
import { REF_PREFIX, type Schema } from './definitions.js';
import type { HttpMethod, SwaggerOperation, SwaggerParameter, SwaggerPathItem } from './swagger.js';

const V3_PREFIX = '#/components/schemas/';
const METHODS: HttpMethod[] = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

export type JsonObject = { [k: string]: unknown };

/** One schema (definition or nested) in OpenAPI 3 form. */
export function schemaToV3(s: Schema): JsonObject {
  const out: JsonObject = {};
  let wrapped: JsonObject | undefined;
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') {
      wrapped = { $ref: V3_PREFIX + String(v).slice(REF_PREFIX.length) };
    } else if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([n, p]) => [n, schemaToV3(p)]));
    } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
      out[k] = schemaToV3(v as Schema);
    } else out[k] = v;
  }
  if (wrapped) {
    // A lone $ref stays a $ref; with siblings it must be wrapped (siblings of $ref are ignored in 3.0).
    if (Object.keys(out).length === 0) return wrapped;
    return sortKeys({ allOf: [wrapped], ...out });
  }
  return out;
}

/** Definitions whose v3 form differs from v2 (as upstream publishes them). */
export function definitionToV3(name: string, s: Schema): JsonObject {
  if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') {
    return sortKeys({ description: s.description, oneOf: [{ type: 'string' }, { type: 'number' }] });
  }
  if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') {
    return sortKeys({ description: s.description, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] });
  }
  return schemaToV3(s);
}

function parameterToV3(p: SwaggerParameter): JsonObject {
  const out: JsonObject = {};
  if (p.description) out.description = p.description;
  out.in = p.in;
  out.name = p.name;
  if (p.required) out.required = true;
  const schema: JsonObject = {};
  if (p.type) schema.type = p.type;
  if (p.uniqueItems) schema.uniqueItems = true;
  out.schema = schema;
  return out;
}

function operationToV3(op: SwaggerOperation): JsonObject {
  const out: JsonObject = { description: op.description, operationId: op.operationId };
  const params = (op.parameters ?? []).filter((p) => p.in !== 'body');
  if (params.length) out.parameters = params.map(parameterToV3);
  const bodyParam = (op.parameters ?? []).find((p) => p.in === 'body');
  if (bodyParam?.schema) {
    const schema = schemaToV3(bodyParam.schema);
    out.requestBody = { content: Object.fromEntries(op.consumes.map((c) => [c, { schema }])), required: true };
  }
  const responses: JsonObject = {};
  for (const [code, r] of Object.entries(op.responses)) {
    if (!r.schema) {
      responses[code] = { description: r.description };
      continue;
    }
    const schema = schemaToV3(r.schema);
    responses[code] = { content: Object.fromEntries(op.produces.map((c) => [c, { schema }])), description: r.description };
  }
  out.responses = responses;
  out.tags = op.tags;
  out['x-kubernetes-action'] = op['x-kubernetes-action'];
  out['x-kubernetes-group-version-kind'] = op['x-kubernetes-group-version-kind'];
  return out;
}

/** Paths in OpenAPI 3 form. */
export function pathsToV3(paths: Record<string, SwaggerPathItem>): JsonObject {
  const out: JsonObject = {};
  for (const [path, item] of Object.entries(paths)) {
    const v3: JsonObject = {};
    for (const m of METHODS) {
      const op = item[m];
      if (op) v3[m] = operationToV3(op);
    }
    if (item.parameters?.length) v3.parameters = item.parameters.map(parameterToV3);
    out[path] = sortKeys(v3);
  }
  return out;
}

function sortKeys(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
