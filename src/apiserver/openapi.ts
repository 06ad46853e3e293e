// The OpenAPI documents kube-apiserver serves and kubectl reads:
//  - /openapi/v3 (root: one entry per group/version with a content-hashed URL) and
//    /openapi/v3/<api/v1|apis/G/V> (OpenAPI 3.0): kubectl explain, client-side apply patch
//    metadata, and the fieldValidation capability check.
//  - /openapi/v2 (Swagger 2.0, JSON or gnostic protobuf): older clients and --output plaintext-openapiv2.
// Documents are built on first request and cached: nothing is built at server start.
import { createHash } from 'node:crypto';
import { servedGroupVersions } from '../api/registry.js';
import { definitions, type Schema } from '../api/schema/definitions.js';
import { legacyDefinitions, reachableDefinitions, swaggerPaths, type SwaggerPathItem } from '../api/schema/swagger.js';
import { definitionToV3, pathsToV3 } from '../api/schema/openapi-v3.js';
import { encodeSwaggerProto } from '../api/schema/gnostic.js';

/** Media type of the protobuf v2 document; clients ask for either spelling (client-go uses "@v1.0"). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const OPENAPI_V2_PROTOBUF_ACCEPTED = [OPENAPI_V2_PROTOBUF, 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf'];

const SECURITY_DEFINITION = { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } };

/** "api/v1" / "apis/apps/v1" for a group/version. */
function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function allGroupVersions(): { group: string; version: string }[] {
  const out: { group: string; version: string }[] = [];
  for (const g of servedGroupVersions()) for (const version of g.versions) out.push({ group: g.group, version });
  return out;
}

/** Upstream ETags are the upper-case hex SHA-512 of the document. */
function etagOf(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

const v3Cache = new Map<string, { body: Buffer; etag: string } | null>();

function buildV3(group: string, version: string): { body: Buffer; etag: string } {
  const paths: Record<string, SwaggerPathItem> = swaggerPaths(group, version);
  const legacy = legacyDefinitions(group, version);
  const defs = definitions();
  const schemas: Record<string, unknown> = {};
  for (const name of reachableDefinitions(paths, legacy)) {
    const s: Schema | undefined = legacy[name] ?? defs[name];
    if (s) schemas[name] = definitionToV3(name, s);
  }
  const doc = {
    components: { schemas, securitySchemes: SECURITY_DEFINITION },
    info: { title: 'Kubernetes', version: 'unversioned' },
    openapi: '3.0.0',
    paths: pathsToV3(paths),
    security: [{ BearerToken: [] }],
  };
  const body = Buffer.from(JSON.stringify(doc));
  return { body, etag: etagOf(body) };
}

/**
 * The OpenAPI 3.0 document of one group/version, by its path under /openapi/v3/
 * ("api/v1", "apis/apps/v1"; a leading "/" or "openapi/v3/" is tolerated), or undefined when
 * that group/version is not served. `etag` is the value of the `hash` query parameter.
 */
export function openApiV3Doc(groupVersionPath: string): { body: Buffer; etag: string } | undefined {
  const p = groupVersionPath.replace(/^\/+/, '').replace(/^openapi\/v3\//, '').replace(/\/+$/, '');
  if (v3Cache.has(p)) return v3Cache.get(p) ?? undefined;
  const gv = allGroupVersions().find((x) => gvPath(x.group, x.version) === p);
  const built = gv ? buildV3(gv.group, gv.version) : null;
  v3Cache.set(p, built);
  return built ?? undefined;
}

/** The /openapi/v3 discovery document: every served group/version with its hashed URL. */
export function openApiV3Root(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of allGroupVersions()) {
    const p = gvPath(group, version);
    const doc = openApiV3Doc(p);
    if (doc) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${doc.etag}` };
  }
  return { paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}

let v2Cache: { json: Buffer; protobuf: Buffer; etag: string } | undefined;

/** The Swagger 2.0 document for everything served, as JSON and as gnostic protobuf. */
export function openApiV2(): { json: Buffer; protobuf: Buffer; etag: string } {
  if (!v2Cache) {
    const paths: Record<string, SwaggerPathItem> = {};
    let legacy: Record<string, Schema> = {};
    for (const { group, version } of allGroupVersions()) {
      Object.assign(paths, swaggerPaths(group, version));
      legacy = { ...legacy, ...legacyDefinitions(group, version) };
    }
    const defs = definitions();
    const definitionsOut: Record<string, Schema> = {};
    for (const name of reachableDefinitions(paths, legacy)) {
      const s = legacy[name] ?? defs[name];
      if (s) definitionsOut[name] = s;
    }
    const doc = {
      definitions: definitionsOut,
      info: { title: 'Kubernetes', version: 'unversioned' },
      paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      security: [{ BearerToken: [] }],
      securityDefinitions: SECURITY_DEFINITION,
      swagger: '2.0',
    };
    const json = Buffer.from(JSON.stringify(doc));
    v2Cache = { json, protobuf: Buffer.from(encodeSwaggerProto(doc)), etag: etagOf(json) };
  }
  return v2Cache;
}

export interface OpenApiResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * HTTP response for GET /openapi/v3/<gv>[?hash=H], as kube-openapi answers it: a stale hash
 * redirects (301) to the current one; a matching hash is cacheable forever ("public,
 * immutable"); If-None-Match with the current ETag gets 304.
 */
export function serveOpenApiV3(groupVersionPath: string, hash: string | undefined, ifNoneMatch?: string): OpenApiResponse | undefined {
  const doc = openApiV3Doc(groupVersionPath);
  if (!doc) return undefined;
  const p = groupVersionPath.replace(/^\/+/, '').replace(/^openapi\/v3\//, '').replace(/\/+$/, '');
  if (hash && hash !== doc.etag) {
    return { status: 301, headers: { Location: `/openapi/v3/${p}?hash=${doc.etag}`, 'Cache-Control': 'no-cache' }, body: Buffer.alloc(0) };
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ETag: `"${doc.etag}"`, Vary: 'Accept' };
  if (hash) {
    headers['Cache-Control'] = 'public, immutable';
    headers.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
  } else headers['Cache-Control'] = 'no-cache, private';
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === `"${doc.etag}"`)) {
    return { status: 304, headers, body: Buffer.alloc(0) };
  }
  return { status: 200, headers, body: doc.body };
}

/**
 * HTTP response for GET /openapi/v2: protobuf when the Accept header asks for it, else JSON.
 * The protobuf Content-Type is the "...spec.v2.v1.0+protobuf" spelling: Go's mime parser (and
 * so client-go) rejects the "@" form that client-go itself puts in Accept.
 */
export function serveOpenApiV2(accept: string | undefined, ifNoneMatch?: string): OpenApiResponse {
  const v2 = openApiV2();
  const proto = !!accept && accept.split(',').some((a) => OPENAPI_V2_PROTOBUF_ACCEPTED.includes(a.trim().split(';')[0]));
  const etag = proto ? `"${etagOf(v2.protobuf)}"` : `"${v2.etag}"`;
  const headers: Record<string, string> = { 'Content-Type': proto ? OPENAPI_V2_PROTOBUF : 'application/json', ETag: etag, Vary: 'Accept', 'Cache-Control': 'no-cache, private' };
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return { status: 304, headers, body: Buffer.alloc(0) };
  return { status: 200, headers, body: proto ? v2.protobuf : v2.json };
}
