import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtoReader, ProtoWriter, ProtobufError, WireType } from './wire.js';

test('varints: known encodings, negative int32/int64 as 10-byte two\'s complement', () => {
  assert.equal(new ProtoWriter().varint(300).finish().toString('hex'), 'ac02');
  assert.equal(new ProtoWriter().varint(-1).finish().toString('hex'), 'ffffffffffffffffff01');
  for (const v of [0, 1, 127, 128, 2 ** 31 - 1, -(2 ** 31), -5, 9_000_000_000, -62135596800, Number.MAX_SAFE_INTEGER]) {
    const r = new ProtoReader(new ProtoWriter().varint(v).finish());
    assert.equal(r.int64(), v, `int64 ${v}`);
    if (v >= -(2 ** 31) && v < 2 ** 31) assert.equal(new ProtoReader(new ProtoWriter().varint(v).finish()).int32(), v, `int32 ${v}`);
  }
});

test('tags, strings, bytes, doubles and skipping each wire type', () => {
  const data = new ProtoWriter()
    .tag(1, WireType.Varint).varint(7)
    .tag(2, WireType.Bytes).string('héllo')
    .tag(3, WireType.Fixed64).double(1.5)
    .tag(4, WireType.Fixed32).float(0.25)
    .tag(5, WireType.Bytes).bytes(Uint8Array.of(9, 8))
    .tag(2000, WireType.Varint).varint(1)
    .finish();
  const r = new ProtoReader(data);
  assert.deepEqual(r.tag(), [1, WireType.Varint]);
  assert.equal(r.int32(), 7);
  assert.deepEqual(r.tag(), [2, WireType.Bytes]);
  assert.equal(r.string(), 'héllo');
  assert.deepEqual(r.tag(), [3, WireType.Fixed64]);
  assert.equal(r.double(), 1.5);
  assert.deepEqual(r.tag(), [4, WireType.Fixed32]);
  assert.equal(r.float(), 0.25);
  const s = new ProtoReader(data);
  for (const expected of [1, 2, 3, 4, 5, 2000]) {
    const [num, wt] = s.tag();
    assert.equal(num, expected);
    s.skip(wt);
  }
  assert.ok(s.done);
});

test('truncated data and impossible lengths are errors, not garbage', () => {
  assert.throws(() => new ProtoReader(Uint8Array.of(0x80)).varint(), ProtobufError);
  assert.throws(() => new ProtoReader(Uint8Array.of(0x05, 0x61)).bytes(), /runs past the end/);
  assert.throws(() => new ProtoReader(Uint8Array.of(0x0b)).skip(3), /unsupported wire type 3/);
  assert.throws(() => new ProtoReader(Uint8Array.of(0x00)).tag(), /field number 0/);
});
