// Decodes Kubernetes protobuf (application/vnd.kubernetes.protobuf) into the JSON-shaped objects
// the rest of Skiff works with, driven by the generated field table: the result is what the same
// Go object would look like on the JSON wire (omitempty zero values left out, []byte as base64,
// Time as RFC 3339, Quantity and IntOrString as their scalar forms, embedded JSON parsed).
import { intOrStringToJson, microTimeToJson, rawJsonToValue, timeToJson, formatGoDuration } from './well-known.js';
import { isScalar, messageInfo, messageNameFor, sortedFields, type FieldInfo, type MessageInfo } from './table.js';
import { ProtoReader, ProtobufError, WireType } from './wire.js';
import { readEnvelope, hasMagic } from './envelope.js';

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  /** The object in its JSON form, apiVersion and kind first. */
  object: Record<string, unknown>;
  /** Field numbers the table does not know, as "path#number" (e.g. "spec.template.spec#99"). */
  unknownFields: string[];
}

/**
 * Decodes a request body: the `k8s\0` magic, a runtime.Unknown envelope carrying the TypeMeta,
 * and the object's own message. Throws ProtobufError for malformed data or unknown kinds.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): DecodedObject {
  const env = readEnvelope(body);
  if (env.contentEncoding) throw new ProtobufError(`unsupported content encoding ${JSON.stringify(env.contentEncoding)}`);
  if (!env.kind) throw new ProtobufError('Object \'Kind\' is missing in the protobuf envelope');
  const name = messageNameFor(env.apiVersion, env.kind);
  if (!name) throw new ProtobufError(`no kind "${env.kind}" is registered for version "${env.apiVersion}"`);
  const unknownFields: string[] = [];
  const body1 = decodeMessage(name, env.raw, unknownFields, '');
  const object = { apiVersion: env.apiVersion, kind: env.kind, ...(body1 as Record<string, unknown>) };
  return { apiVersion: env.apiVersion, kind: env.kind, object, unknownFields };
}

/** Decodes one message of the table into its JSON value (an object, or a scalar for special types). */
export function decodeMessage(name: string, data: Uint8Array, unknownFields: string[] = [], path = ''): unknown {
  const info = messageInfo(name);
  if (info.special) return decodeSpecial(info, data, path);
  if (info.listOf) {
    const out: unknown[] = [];
    const r = new ProtoReader(data);
    while (!r.done) {
      const [num, wt] = r.tag();
      if (num === 1) readRepeated(r, wt, info.listOf, out, unknownFields, path);
      else skipUnknown(r, wt, num, unknownFields, path);
    }
    return out;
  }
  const obj: Record<string, unknown> = {};
  decodeInto(obj, info, data, unknownFields, path);
  return obj;
}

/** Decodes a message's fields into `obj` (shared by inline embedded messages), then applies the JSON rules. */
function decodeInto(obj: Record<string, unknown>, info: MessageInfo, data: Uint8Array, unknownFields: string[], path: string): void {
  const fields = info.fields ?? {};
  const seen = new Set<number>();
  const r = new ProtoReader(data);
  while (!r.done) {
    const [num, wt] = r.tag();
    const f = fields[num];
    if (!f) {
      skipUnknown(r, wt, num, unknownFields, path);
      continue;
    }
    seen.add(num);
    if (f.json === '-') {
      r.skip(wt);
      continue;
    }
    const childPath = f.inline ? path : join(path, f.json!);
    if (f.inline) {
      if (wt !== WireType.Bytes) throw wireMismatch(path, num);
      decodeInto(obj, messageInfo(f.type), r.bytes(), unknownFields, path);
    } else if (f.type === 'map') {
      if (wt !== WireType.Bytes) throw wireMismatch(path, num);
      const map = (obj[f.json!] ??= {}) as Record<string, unknown>;
      const [k, v] = readMapEntry(r.bytes(), f, unknownFields, childPath);
      map[String(k)] = v;
    } else if (f.repeated) {
      const arr = (obj[f.json!] ??= []) as unknown[];
      readRepeated(r, wt, f.type, arr, unknownFields, childPath);
    } else {
      obj[f.json!] = readValue(r, wt, f.type, unknownFields, childPath);
    }
  }
  for (const [num, f] of sortedFields(info)) {
    if (f.json === '-') continue;
    // Absent non-pointer fields hold Go's zero value (the upstream marshaller writes them all).
    if (!seen.has(num) && !f.ptr && !f.repeated && f.type !== 'map' && f.type !== 'bytes') {
      if (f.inline) decodeInto(obj, messageInfo(f.type), new Uint8Array(0), unknownFields, path);
      else if (isScalar(f.type)) obj[f.json!] = zeroScalar(f.type);
      else if (!messageInfo(f.type).listOf) obj[f.json!] = decodeMessage(f.type, new Uint8Array(0), unknownFields, join(path, f.json!));
    }
    // omitempty: zero scalars (and empty bytes) are not part of the JSON form of non-pointer fields.
    if (!f.inline && f.omitEmpty && !f.ptr && isScalar(f.type) && isZero(obj[f.json!])) delete obj[f.json!];
  }
}

function readValue(r: ProtoReader, wt: number, type: string, unknownFields: string[], path: string): unknown {
  if (isScalar(type)) return readScalar(r, wt, type, path);
  if (wt !== WireType.Bytes) throw new ProtobufError(`${path || '<root>'}: expected a length-delimited message`);
  return decodeMessage(type, r.bytes(), unknownFields, path);
}

function readRepeated(r: ProtoReader, wt: number, type: string, out: unknown[], unknownFields: string[], path: string): void {
  // Packed numeric lists (proto3 style) are accepted as well as one tag per element.
  if (wt === WireType.Bytes && isScalar(type) && type !== 'string' && type !== 'bytes') {
    const inner = new ProtoReader(r.bytes());
    const elemWt = type === 'double' ? WireType.Fixed64 : type === 'float' ? WireType.Fixed32 : WireType.Varint;
    while (!inner.done) out.push(readScalar(inner, elemWt, type, path));
    return;
  }
  out.push(readValue(r, wt, type, unknownFields, `${path}[${out.length}]`));
}

function readMapEntry(data: Uint8Array, f: FieldInfo, unknownFields: string[], path: string): [unknown, unknown] {
  const r = new ProtoReader(data);
  let key: unknown;
  let value: unknown;
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num === 1) key = readValue(r, wt, f.key!, unknownFields, path);
    else if (num === 2) value = readValue(r, wt, f.value!, unknownFields, `${path}[${String(key)}]`);
    else skipUnknown(r, wt, num, unknownFields, path);
  }
  key ??= zeroScalar(f.key!);
  if (value === undefined) {
    value = isScalar(f.value!) ? (f.value === 'bytes' ? '' : zeroScalar(f.value!)) : decodeMessage(f.value!, new Uint8Array(0), unknownFields, path);
  }
  return [key, value];
}

function readScalar(r: ProtoReader, wt: number, type: string, path: string): unknown {
  const expected = type === 'string' || type === 'bytes' ? WireType.Bytes : type === 'double' ? WireType.Fixed64 : type === 'float' ? WireType.Fixed32 : WireType.Varint;
  if (wt !== expected) throw new ProtobufError(`${path || '<root>'}: wire type ${wt} does not match ${type}`);
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'uint64':
      return Number(r.varint());
    case 'double':
      return r.double();
    case 'float':
      return r.float();
    default:
      throw new ProtobufError(`${path}: unsupported scalar type ${type}`);
  }
}

function decodeSpecial(info: MessageInfo, data: Uint8Array, path: string): unknown {
  const r = new ProtoReader(data);
  const v: Record<number, unknown> = {};
  while (!r.done) {
    const [num, wt] = r.tag();
    if (wt === WireType.Varint) v[num] = r.int64();
    else if (wt === WireType.Bytes) v[num] = r.bytes();
    else r.skip(wt);
  }
  const str = (n: number): string | undefined => (v[n] instanceof Uint8Array ? Buffer.from(v[n] as Uint8Array).toString('utf8') : undefined);
  const num = (n: number): number | undefined => (typeof v[n] === 'number' ? (v[n] as number) : undefined);
  switch (info.special) {
    case 'Quantity':
      return str(1) || '0';
    case 'Time':
      return timeToJson(num(1));
    case 'MicroTime':
      return microTimeToJson(num(1), num(2));
    case 'Duration':
      return formatGoDuration(num(1) ?? 0);
    case 'IntOrString':
      return intOrStringToJson(num(1), num(2) === undefined ? undefined : num(2)! | 0, str(3));
    case 'RawExtension':
      return decodeRawExtension(v[1] as Uint8Array | undefined, path);
    case 'FieldsV1':
      return rawJsonToValue(v[1] as Uint8Array | undefined, `${path}: FieldsV1`);
    default:
      throw new ProtobufError(`${path}: unsupported special type ${String(info.special)}`);
  }
}

/** RawExtension.raw holds JSON, or (from protobuf clients) a nested protobuf envelope. */
function decodeRawExtension(raw: Uint8Array | undefined, path: string): unknown {
  if (raw && hasMagic(raw)) return decodeKubernetesProtobuf(raw).object;
  return rawJsonToValue(raw, `${path}: RawExtension`);
}

function skipUnknown(r: ProtoReader, wt: number, num: number, unknownFields: string[], path: string): void {
  unknownFields.push(`${path}#${num}`);
  r.skip(wt);
}

function zeroScalar(type: string): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false || v === undefined;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function wireMismatch(path: string, num: number): ProtobufError {
  return new ProtobufError(`${path || '<root>'}#${num}: expected a length-delimited field`);
}
