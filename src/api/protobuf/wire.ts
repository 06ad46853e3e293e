// Protobuf wire primitives (varints, fixed-width numbers, length-delimited bytes) for the
// table-driven Kubernetes codec. Hand-written rather than protobufjs' Reader/Writer so that int64
// values come back as plain numbers/bigints without a Long dependency.

export const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

export class ProtoReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** An unsigned varint of up to 64 bits. */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufError('unexpected end of data in varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  /** A varint known to be small (tags, lengths): avoids bigint work on the hot path. */
  uint32(): number {
    let result = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufError('unexpected end of data in varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result >>> 0;
    }
    // Longer than 32 bits (e.g. a negative int32 written sign-extended): keep the low 32 bits.
    for (let i = 5; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufError('unexpected end of data in varint');
      if ((this.buf[this.pos++] & 0x80) === 0) return result >>> 0;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  int32(): number {
    return this.uint32() | 0;
  }

  /** A signed 64-bit varint as a number (values beyond 2^53 lose precision, as in JSON). */
  int64(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }

  bool(): boolean {
    return this.varint() !== 0n;
  }

  fixed64(): DataView {
    return this.view(8);
  }

  fixed32(): DataView {
    return this.view(4);
  }

  double(): number {
    return this.fixed64().getFloat64(0, true);
  }

  float(): number {
    return this.fixed32().getFloat32(0, true);
  }

  bytes(): Uint8Array {
    const len = this.uint32();
    if (this.pos + len > this.buf.length) throw new ProtobufError(`length ${len} runs past the end of the data`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }

  /** Reads a field key: [field number, wire type]. */
  tag(): [number, number] {
    const key = this.uint32();
    const num = key >>> 3;
    if (num === 0) throw new ProtobufError('invalid field number 0');
    return [num, key & 7];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.view(8);
        return;
      case WireType.Bytes:
        this.bytes();
        return;
      case WireType.Fixed32:
        this.view(4);
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
  }

  private view(n: number): DataView {
    if (this.pos + n > this.buf.length) throw new ProtobufError('unexpected end of data');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return v;
  }
}

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private cur: number[] = [];

  /** Any integer as a varint; negative values are written as 64-bit two's complement (10 bytes). */
  varint(v: number | bigint): this {
    let u = BigInt.asUintN(64, BigInt(v));
    while (u >= 0x80n) {
      this.cur.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    this.cur.push(Number(u));
    return this;
  }

  tag(num: number, wireType: WireType): this {
    return this.varint(num * 8 + wireType);
  }

  bytes(data: Uint8Array): this {
    this.varint(data.length);
    this.flush();
    this.chunks.push(data);
    return this;
  }

  string(s: string): this {
    return this.bytes(Buffer.from(s, 'utf8'));
  }

  double(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.flush();
    this.chunks.push(b);
    return this;
  }

  float(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.flush();
    this.chunks.push(b);
    return this;
  }

  finish(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks);
  }

  private flush(): void {
    if (this.cur.length) {
      this.chunks.push(Uint8Array.from(this.cur));
      this.cur = [];
    }
  }
}
