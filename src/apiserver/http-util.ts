// Small wire helpers shared by the API server's handlers: JSON answers, Status bodies, body decoding.
import YAML from 'yaml';
import type { ResponseSink } from '../client/transport.js';
import { StatusError, badRequest } from '../api/errors.js';
import { decodeKubernetesProtobuf } from '../api/protobuf/decode.js';
import { ProtobufError } from '../api/protobuf/wire.js';

export function sendJson(res: ResponseSink, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', ...headers });
  res.end(text);
}

export function sendStatusError(res: ResponseSink, err: StatusError, headers: Record<string, string> = {}): void {
  sendJson(res, err.code, err.toStatus(), headers);
}

export function successStatus(details?: Record<string, unknown>): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details } : {}) };
}

/** Media type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Decode a request body as JSON or YAML into a single object. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  const mt = mediaType(contentType);
  const text = body.toString('utf8');
  if (text.trim().length === 0) throw badRequest('the request body is empty; an object is required');
  if (mt === 'application/yaml' || mt === 'application/apply-patch+yaml' || mt === 'text/yaml') {
    try {
      const docs = YAML.parseAllDocuments(text);
      if (docs.length !== 1) throw badRequest('the body must hold exactly one YAML document');
      if (docs[0].errors.length) throw new Error(docs[0].errors[0].message);
      return docs[0].toJS({ maxAliasCount: 100 });
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  if (mt === 'application/vnd.kubernetes.protobuf') {
    // Typed client-go clients (kubectl create …) write protobuf; the envelope carries apiVersion/kind.
    try {
      return decodeKubernetesProtobuf(body).object;
    } catch (e) {
      if (e instanceof ProtobufError) throw badRequest(`error decoding protobuf: ${e.message}`);
      throw e;
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

const ACCEPTED_WRITE_TYPES = new Set(['application/json', 'application/yaml', '', 'text/yaml']);

export function checkWriteContentType(contentType: string | undefined): void {
  const mt = mediaType(contentType);
  if (!ACCEPTED_WRITE_TYPES.has(mt) && mt !== 'application/vnd.kubernetes.protobuf') {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    );
  }
}

export interface AcceptInfo {
  /** 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | undefined */
  as?: string;
  group?: string;
  version?: string;
}

/** Pick the first Accept clause we can honour (kubectl lists Table first, then plain JSON). */
export function parseAccept(accept: string | undefined): AcceptInfo {
  if (!accept) return {};
  for (const clause of accept.split(',')) {
    const [mt, ...params] = clause.split(';').map((s) => s.trim());
    const p: Record<string, string> = {};
    for (const kv of params) {
      const i = kv.indexOf('=');
      if (i > 0) p[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
    }
    if (mt !== 'application/json' && mt !== '*/*' && mt !== 'application/*') continue;
    if (p.as) {
      if ((p.as === 'Table' || p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) {
        return { as: p.as, group: p.g, version: p.v };
      }
      continue;
    }
    return {};
  }
  return {};
}
