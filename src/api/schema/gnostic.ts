// Protobuf form of a Swagger 2.0 document: the gnostic `openapi.v2.Document` message that
// client-go decodes when it GETs /openapi/v2 with
// Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf.
// Only the messages and fields a Kubernetes document uses are declared; field numbers are
// those of gnostic's openapiv2/OpenAPIv2.proto. Vendor extensions and defaults travel as
// YAML text in `Any.yaml`, as gnostic does.
import protobuf from 'protobufjs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

type Fields = Record<string, { type: string; id: number; rule?: 'repeated' }>;
const f = (id: number, type: string, repeated = false) => (repeated ? { type, id, rule: 'repeated' as const } : { type, id });
const named = (valueType: string): Fields => ({ name: f(1, 'string'), value: f(2, valueType) });
const ext = (id: number) => f(id, 'NamedAny', true);

const MESSAGES: Record<string, Fields> = {
  Document: {
    swagger: f(1, 'string'), info: f(2, 'Info'), host: f(3, 'string'), basePath: f(4, 'string'), schemes: f(5, 'string', true),
    consumes: f(6, 'string', true), produces: f(7, 'string', true), paths: f(8, 'Paths'), definitions: f(9, 'Definitions'),
    security: f(12, 'SecurityRequirement', true), securityDefinitions: f(13, 'SecurityDefinitions'), vendorExtension: ext(16),
  },
  Info: { title: f(1, 'string'), version: f(2, 'string'), description: f(3, 'string'), vendorExtension: ext(7) },
  Paths: { vendorExtension: ext(1), path: f(2, 'NamedPathItem', true) },
  NamedPathItem: named('PathItem'),
  PathItem: {
    ref: f(1, 'string'), get: f(2, 'Operation'), put: f(3, 'Operation'), post: f(4, 'Operation'), delete: f(5, 'Operation'),
    options: f(6, 'Operation'), head: f(7, 'Operation'), patch: f(8, 'Operation'), parameters: f(9, 'ParametersItem', true), vendorExtension: ext(10),
  },
  Operation: {
    tags: f(1, 'string', true), summary: f(2, 'string'), description: f(3, 'string'), operationId: f(5, 'string'),
    produces: f(6, 'string', true), consumes: f(7, 'string', true), parameters: f(8, 'ParametersItem', true), responses: f(9, 'Responses'),
    schemes: f(10, 'string', true), deprecated: f(11, 'bool'), vendorExtension: ext(13),
  },
  ParametersItem: { parameter: f(1, 'Parameter'), jsonReference: f(2, 'JsonReference') },
  JsonReference: { ref: f(1, 'string'), description: f(2, 'string') },
  Parameter: { bodyParameter: f(1, 'BodyParameter'), nonBodyParameter: f(2, 'NonBodyParameter') },
  BodyParameter: { description: f(1, 'string'), name: f(2, 'string'), in: f(3, 'string'), required: f(4, 'bool'), schema: f(5, 'Schema'), vendorExtension: ext(6) },
  NonBodyParameter: { queryParameterSubSchema: f(3, 'QueryParameterSubSchema'), pathParameterSubSchema: f(4, 'PathParameterSubSchema') },
  QueryParameterSubSchema: {
    required: f(1, 'bool'), in: f(2, 'string'), description: f(3, 'string'), name: f(4, 'string'), type: f(6, 'string'),
    format: f(7, 'string'), uniqueItems: f(20, 'bool'), vendorExtension: ext(23),
  },
  PathParameterSubSchema: {
    required: f(1, 'bool'), in: f(2, 'string'), description: f(3, 'string'), name: f(4, 'string'), type: f(5, 'string'),
    format: f(6, 'string'), uniqueItems: f(19, 'bool'), vendorExtension: ext(22),
  },
  Responses: { responseCode: f(1, 'NamedResponseValue', true), vendorExtension: ext(2) },
  NamedResponseValue: named('ResponseValue'),
  ResponseValue: { response: f(1, 'Response'), jsonReference: f(2, 'JsonReference') },
  Response: { description: f(1, 'string'), schema: f(2, 'SchemaItem'), vendorExtension: ext(5) },
  SchemaItem: { schema: f(1, 'Schema') },
  Schema: {
    ref: f(1, 'string'), format: f(2, 'string'), title: f(3, 'string'), description: f(4, 'string'), default: f(5, 'Any'),
    uniqueItems: f(16, 'bool'), required: f(19, 'string', true), enum: f(20, 'Any', true),
    additionalProperties: f(21, 'AdditionalPropertiesItem'), type: f(22, 'TypeItem'), items: f(23, 'ItemsItem'),
    allOf: f(24, 'Schema', true), properties: f(25, 'Properties'), readOnly: f(27, 'bool'), example: f(30, 'Any'), vendorExtension: ext(31),
  },
  AdditionalPropertiesItem: { schema: f(1, 'Schema'), boolean: f(2, 'bool') },
  TypeItem: { value: f(1, 'string', true) },
  ItemsItem: { schema: f(1, 'Schema', true) },
  Properties: { additionalProperties: f(1, 'NamedSchema', true) },
  Definitions: { additionalProperties: f(1, 'NamedSchema', true) },
  NamedSchema: named('Schema'),
  NamedAny: named('Any'),
  Any: { yaml: f(2, 'string') },
  SecurityDefinitions: { additionalProperties: f(1, 'NamedSecurityDefinitionsItem', true) },
  NamedSecurityDefinitionsItem: named('SecurityDefinitionsItem'),
  SecurityDefinitionsItem: { apiKeySecurity: f(2, 'ApiKeySecurity') },
  ApiKeySecurity: { type: f(1, 'string'), name: f(2, 'string'), in: f(3, 'string'), description: f(4, 'string'), vendorExtension: ext(5) },
  SecurityRequirement: { additionalProperties: f(1, 'NamedStringArray', true) },
  NamedStringArray: named('StringArray'),
  StringArray: { value: f(1, 'string', true) },
};

let documentType: protobuf.Type | undefined;
function docType(): protobuf.Type {
  if (!documentType) {
    const nested = Object.fromEntries(Object.entries(MESSAGES).map(([n, fields]) => [n, { fields }]));
    const root = protobuf.Root.fromJSON({ nested: { openapi: { nested: { v2: { nested } } } } });
    documentType = root.lookupType('openapi.v2.Document');
  }
  return documentType;
}

type J = Record<string, unknown>;
const yamlAny = (v: unknown) => ({ yaml: stringifyYaml(v) });
const vendor = (o: J) => Object.keys(o).filter((k) => k.startsWith('x-')).sort().map((k) => ({ name: k, value: yamlAny(o[k]) }));
const set = (out: J, k: string, v: unknown) => {
  if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
};

function schemaMsg(s: J): J {
  const out: J = {};
  set(out, 'ref', s.$ref);
  set(out, 'format', s.format);
  set(out, 'title', s.title);
  set(out, 'description', s.description);
  if ('default' in s) out.default = yamlAny(s.default);
  set(out, 'uniqueItems', s.uniqueItems);
  set(out, 'required', s.required);
  if (Array.isArray(s.enum)) out.enum = s.enum.map(yamlAny);
  if (typeof s.additionalProperties === 'boolean') out.additionalProperties = { boolean: s.additionalProperties };
  else if (s.additionalProperties) out.additionalProperties = { schema: schemaMsg(s.additionalProperties as J) };
  if (s.type !== undefined) out.type = { value: Array.isArray(s.type) ? s.type : [s.type] };
  if (s.items) out.items = { schema: (Array.isArray(s.items) ? s.items : [s.items]).map((x) => schemaMsg(x as J)) };
  if (Array.isArray(s.allOf)) out.allOf = s.allOf.map((x) => schemaMsg(x as J));
  if (s.properties) out.properties = { additionalProperties: Object.entries(s.properties as J).map(([name, v]) => ({ name, value: schemaMsg(v as J) })) };
  set(out, 'readOnly', s.readOnly);
  set(out, 'vendorExtension', vendor(s));
  return out;
}

function parameterMsg(p: J): J {
  if (p.$ref) return { jsonReference: { ref: p.$ref } };
  if (p.in === 'body') {
    return { parameter: { bodyParameter: { description: p.description, name: p.name, in: p.in, required: p.required, schema: p.schema ? schemaMsg(p.schema as J) : undefined } } };
  }
  const sub = { required: p.required, in: p.in, description: p.description, name: p.name, type: p.type, format: p.format, uniqueItems: p.uniqueItems };
  return { parameter: { nonBodyParameter: p.in === 'path' ? { pathParameterSubSchema: sub } : { queryParameterSubSchema: sub } } };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function operationMsg(o: J): J {
  const out: J = {};
  set(out, 'tags', o.tags);
  set(out, 'summary', o.summary);
  set(out, 'description', o.description);
  set(out, 'operationId', o.operationId);
  set(out, 'produces', o.produces);
  set(out, 'consumes', o.consumes);
  if (Array.isArray(o.parameters)) set(out, 'parameters', o.parameters.map((p) => parameterMsg(p as J)));
  if (o.responses) {
    out.responses = {
      responseCode: Object.entries(o.responses as J).map(([name, r]) => {
        const rr = r as J;
        return { name, value: { response: { description: rr.description, schema: rr.schema ? { schema: schemaMsg(rr.schema as J) } : undefined } } };
      }),
    };
  }
  set(out, 'schemes', o.schemes);
  set(out, 'deprecated', o.deprecated);
  set(out, 'vendorExtension', vendor(o));
  return out;
}

/** Encode a Swagger 2.0 JSON document as a gnostic openapi.v2.Document. */
export function encodeSwaggerProto(doc: J): Uint8Array {
  const msg: J = { swagger: doc.swagger };
  if (doc.info) msg.info = { title: (doc.info as J).title, version: (doc.info as J).version };
  const paths = (doc.paths ?? {}) as Record<string, J>;
  msg.paths = {
    path: Object.entries(paths).map(([name, item]) => {
      const value: J = {};
      for (const m of METHODS) if (item[m]) value[m] = operationMsg(item[m] as J);
      if (Array.isArray(item.parameters)) set(value, 'parameters', item.parameters.map((p) => parameterMsg(p as J)));
      return { name, value };
    }),
  };
  msg.definitions = { additionalProperties: Object.entries((doc.definitions ?? {}) as J).map(([name, s]) => ({ name, value: schemaMsg(s as J) })) };
  if (Array.isArray(doc.security)) {
    msg.security = doc.security.map((req) => ({ additionalProperties: Object.entries(req as J).map(([name, v]) => ({ name, value: { value: v } })) }));
  }
  if (doc.securityDefinitions) {
    msg.securityDefinitions = {
      additionalProperties: Object.entries(doc.securityDefinitions as J).map(([name, d]) => ({ name, value: { apiKeySecurity: d } })),
    };
  }
  const t = docType();
  return t.encode(t.fromObject(msg)).finish();
}

// --- decoding (used to verify the encoding, and by tests) -----------------------------------

function fromAny(a: J | undefined): unknown {
  return a && typeof a.yaml === 'string' ? parseYaml(a.yaml) : undefined;
}

function addVendor(out: J, exts: unknown): void {
  for (const e of (exts ?? []) as J[]) out[e.name as string] = fromAny(e.value as J);
}

function schemaJson(m: J): J {
  const out: J = {};
  if (m.ref) out.$ref = m.ref;
  for (const k of ['format', 'title', 'description', 'uniqueItems', 'readOnly']) if (m[k] !== undefined && m[k] !== '' && m[k] !== false) out[k] = m[k];
  if (m.default) out.default = fromAny(m.default as J);
  if ((m.required as string[] | undefined)?.length) out.required = m.required;
  if ((m.enum as J[] | undefined)?.length) out.enum = (m.enum as J[]).map(fromAny);
  const ap = m.additionalProperties as J | undefined;
  if (ap) out.additionalProperties = ap.schema ? schemaJson(ap.schema as J) : ap.boolean;
  const type = (m.type as J | undefined)?.value as string[] | undefined;
  if (type?.length) out.type = type.length === 1 ? type[0] : type;
  const items = (m.items as J | undefined)?.schema as J[] | undefined;
  if (items?.length) out.items = items.length === 1 ? schemaJson(items[0]) : items.map(schemaJson);
  if ((m.allOf as J[] | undefined)?.length) out.allOf = (m.allOf as J[]).map(schemaJson);
  const props = (m.properties as J | undefined)?.additionalProperties as J[] | undefined;
  if (props) out.properties = Object.fromEntries(props.map((p) => [p.name, schemaJson(p.value as J)]));
  addVendor(out, m.vendorExtension);
  return out;
}

function parameterJson(m: J): J {
  if (m.jsonReference) return { $ref: (m.jsonReference as J).ref };
  const p = m.parameter as J;
  const b = p.bodyParameter as J | undefined;
  const nb = p.nonBodyParameter as J | undefined;
  const src = b ?? ((nb?.pathParameterSubSchema ?? nb?.queryParameterSubSchema) as J);
  const out: J = {};
  for (const k of ['description', 'in', 'name', 'required', 'type', 'format', 'uniqueItems']) if (src[k] !== undefined && src[k] !== '' && src[k] !== false) out[k] = src[k];
  if (b?.schema) out.schema = schemaJson(b.schema as J);
  return out;
}

function operationJson(m: J): J {
  const out: J = {};
  for (const k of ['tags', 'produces', 'consumes', 'schemes']) if ((m[k] as unknown[] | undefined)?.length) out[k] = m[k];
  for (const k of ['summary', 'description', 'operationId']) if (m[k]) out[k] = m[k];
  if (m.deprecated) out.deprecated = true;
  if ((m.parameters as J[] | undefined)?.length) out.parameters = (m.parameters as J[]).map(parameterJson);
  const codes = (m.responses as J | undefined)?.responseCode as J[] | undefined;
  if (codes) {
    out.responses = Object.fromEntries(codes.map((c) => {
      const r = (c.value as J).response as J;
      const rj: J = { description: r.description ?? '' };
      if (r.schema) rj.schema = schemaJson((r.schema as J).schema as J);
      return [c.name, rj];
    }));
  }
  addVendor(out, m.vendorExtension);
  return out;
}

/** Decode a gnostic openapi.v2.Document back into Swagger 2.0 JSON. */
export function decodeSwaggerProto(buf: Uint8Array): J {
  const t = docType();
  const m = t.toObject(t.decode(buf), { defaults: false, arrays: false }) as J;
  const out: J = { swagger: m.swagger };
  if (m.info) out.info = m.info;
  const paths: J = {};
  for (const p of ((m.paths as J | undefined)?.path ?? []) as J[]) {
    const v = p.value as J;
    const item: J = {};
    for (const meth of METHODS) if (v[meth]) item[meth] = operationJson(v[meth] as J);
    if ((v.parameters as J[] | undefined)?.length) item.parameters = (v.parameters as J[]).map(parameterJson);
    paths[p.name as string] = item;
  }
  out.paths = paths;
  out.definitions = Object.fromEntries((((m.definitions as J | undefined)?.additionalProperties ?? []) as J[]).map((d) => [d.name, schemaJson(d.value as J)]));
  if (m.security) out.security = (m.security as J[]).map((r) => Object.fromEntries(((r.additionalProperties ?? []) as J[]).map((a) => [a.name, ((a.value as J | undefined)?.value ?? []) as string[]])));
  if (m.securityDefinitions) {
    out.securityDefinitions = Object.fromEntries((((m.securityDefinitions as J).additionalProperties ?? []) as J[]).map((d) => [d.name, (d.value as J).apiKeySecurity]));
  }
  return out;
}
