// Encodes JSON-shaped Kubernetes objects as Kubernetes protobuf, driven by the same field table
// as the decoder. Like the upstream (gogo) marshaller it writes every non-pointer field, zero
// values included, maps sorted by key. Used by the tests and available for protobuf responses.
import { parseGoDuration, parseTime } from './well-known.js';
import { isScalar, messageInfo, messageNameFor, sortedFields, type FieldInfo } from './table.js';
import { ProtoWriter, ProtobufError, WireType } from './wire.js';
import { writeEnvelope } from './envelope.js';

/** magic + runtime.Unknown{TypeMeta from obj.apiVersion/kind, raw = the object's message}. */
export function encodeKubernetesProtobuf(obj: { apiVersion?: string; kind?: string; [k: string]: unknown }): Buffer {
  const apiVersion = obj.apiVersion ?? '';
  const kind = obj.kind ?? '';
  const name = messageNameFor(apiVersion, kind);
  if (!name) throw new ProtobufError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  return writeEnvelope(apiVersion, kind, encodeMessage(name, obj));
}

/** Encodes one JSON value as the named message (without envelope). */
export function encodeMessage(name: string, value: unknown, path = ''): Buffer {
  const info = messageInfo(name);
  const w = new ProtoWriter();
  if (info.special) {
    writeSpecial(w, info.special, value, path);
    return w.finish();
  }
  if (info.listOf) {
    for (const [i, el] of asArray(value, path).entries()) writeValue(w, 1, info.listOf, el, `${path}[${i}]`);
    return w.finish();
  }
  const obj = (value ?? {}) as Record<string, unknown>;
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new ProtobufError(`${path || '<root>'}: expected an object`);
  for (const [num, f] of sortedFields(info)) {
    if (f.json === '-') continue;
    if (f.inline) {
      w.tag(num, WireType.Bytes).bytes(encodeMessage(f.type, obj, path));
      continue;
    }
    const v = obj[f.json!];
    const p = path ? `${path}.${f.json}` : f.json!;
    if (f.type === 'map') writeMap(w, num, f, v, p);
    else if (f.repeated) {
      if (v === undefined || v === null) continue;
      for (const [i, el] of asArray(v, p).entries()) writeValue(w, num, f.type, el, `${p}[${i}]`);
    } else if (v === undefined || v === null) {
      // Pointers are nil; plain Go fields always exist and are written with their zero value.
      if (f.ptr || f.type === 'bytes') continue;
      writeValue(w, num, f.type, isScalar(f.type) ? zeroOf(f.type) : undefined, p);
    } else writeValue(w, num, f.type, v, p);
  }
  return w.finish();
}

function writeMap(w: ProtoWriter, num: number, f: FieldInfo, v: unknown, path: string): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ProtobufError(`${path}: expected an object`);
  for (const key of Object.keys(v).sort()) {
    const entry = new ProtoWriter();
    writeValue(entry, 1, f.key!, f.key === 'string' ? key : Number(key), path);
    writeValue(entry, 2, f.value!, (v as Record<string, unknown>)[key], `${path}[${key}]`);
    w.tag(num, WireType.Bytes).bytes(entry.finish());
  }
}

function writeValue(w: ProtoWriter, num: number, type: string, v: unknown, path: string): void {
  if (!isScalar(type)) {
    w.tag(num, WireType.Bytes).bytes(encodeMessage(type, v, path));
    return;
  }
  switch (type) {
    case 'string':
      if (typeof v !== 'string') throw typeError(path, 'a string', v);
      w.tag(num, WireType.Bytes).string(v);
      return;
    case 'bytes':
      if (typeof v !== 'string') throw typeError(path, 'a base64 string', v);
      w.tag(num, WireType.Bytes).bytes(Buffer.from(v, 'base64'));
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(path, 'a boolean', v);
      w.tag(num, WireType.Varint).varint(v ? 1 : 0);
      return;
    case 'double':
      if (typeof v !== 'number') throw typeError(path, 'a number', v);
      w.tag(num, WireType.Fixed64).double(v);
      return;
    case 'float':
      if (typeof v !== 'number') throw typeError(path, 'a number', v);
      w.tag(num, WireType.Fixed32).float(v);
      return;
    default:
      if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(path, 'an integer', v);
      w.tag(num, WireType.Varint).varint(v);
  }
}

function writeSpecial(w: ProtoWriter, special: string, v: unknown, path: string): void {
  switch (special) {
    case 'Quantity':
      if (typeof v !== 'string' && typeof v !== 'number' && v !== undefined) throw typeError(path, 'a quantity', v);
      w.tag(1, WireType.Bytes).string(v === undefined ? '0' : String(v));
      return;
    case 'Time':
    case 'MicroTime': {
      const t = parseTime(v);
      if (!t) return; // the zero time is an empty message
      w.tag(1, WireType.Varint).varint(t.seconds);
      w.tag(2, WireType.Varint).varint(special === 'Time' ? 0 : Math.floor(t.nanos / 1000) * 1000);
      return;
    }
    case 'Duration':
      w.tag(1, WireType.Varint).varint(v === undefined ? 0n : parseGoDuration(v));
      return;
    case 'IntOrString': {
      const isStr = typeof v === 'string';
      if (!isStr && typeof v !== 'number' && v !== undefined) throw typeError(path, 'an integer or string', v);
      w.tag(1, WireType.Varint).varint(isStr ? 1 : 0);
      w.tag(2, WireType.Varint).varint(isStr ? 0 : ((v as number | undefined) ?? 0));
      w.tag(3, WireType.Bytes).string(isStr ? v : '');
      return;
    }
    case 'RawExtension':
    case 'FieldsV1':
      if (v !== undefined && v !== null) w.tag(1, WireType.Bytes).string(JSON.stringify(v));
      return;
    default:
      throw new ProtobufError(`${path}: unsupported special type ${special}`);
  }
}

function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw typeError(path, 'an array', v);
  return v;
}

function zeroOf(type: string): unknown {
  return type === 'string' ? '' : type === 'bool' ? false : 0;
}

function typeError(path: string, expected: string, v: unknown): ProtobufError {
  return new ProtobufError(`${path || '<root>'}: expected ${expected}, got ${JSON.stringify(v)}`);
}
