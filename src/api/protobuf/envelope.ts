// The envelope of a Kubernetes protobuf body: the 4-byte magic "k8s\0" followed by a
// runtime.Unknown message {typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3,
// contentType=4}, where raw is the object's own message (which carries no TypeMeta itself).
import { ProtoReader, ProtoWriter, ProtobufError, WireType } from './wire.js';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasMagic(data: Uint8Array): boolean {
  return data.length >= 4 && PROTOBUF_MAGIC.every((b, i) => data[i] === b);
}

export function readEnvelope(data: Uint8Array): Envelope {
  if (!hasMagic(data)) throw new ProtobufError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  const env: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = new ProtoReader(data.subarray(4));
  while (!r.done) {
    const [num, wt] = r.tag();
    if (wt !== WireType.Bytes) {
      r.skip(wt);
      continue;
    }
    if (num === 1) {
      const tm = new ProtoReader(r.bytes());
      while (!tm.done) {
        const [n, w] = tm.tag();
        if (n === 1 && w === WireType.Bytes) env.apiVersion = tm.string();
        else if (n === 2 && w === WireType.Bytes) env.kind = tm.string();
        else tm.skip(w);
      }
    } else if (num === 2) env.raw = r.bytes();
    else if (num === 3) env.contentEncoding = r.string();
    else if (num === 4) env.contentType = r.string();
    else r.skip(wt);
  }
  return env;
}

export function writeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const typeMeta = new ProtoWriter().tag(1, WireType.Bytes).string(apiVersion).tag(2, WireType.Bytes).string(kind).finish();
  const unknown = new ProtoWriter()
    .tag(1, WireType.Bytes)
    .bytes(typeMeta)
    .tag(2, WireType.Bytes)
    .bytes(raw)
    .tag(3, WireType.Bytes)
    .string('')
    .tag(4, WireType.Bytes)
    .string('')
    .finish();
  return Buffer.concat([PROTOBUF_MAGIC, unknown]);
}
