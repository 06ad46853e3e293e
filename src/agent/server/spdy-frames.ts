// SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 + 3.1 flow-control frames): the byte layout of
// control and data frames and the compressed name/value header blocks. kubectl speaks this for
// port-forward (directly, or tunnelled inside WebSocket) and, when older, for exec/attach.
//
// Header blocks share ONE zlib stream per direction for the whole session, primed with the SPDY
// dictionary. Inflating is real zlib (async, strictly ordered). Deflating writes "stored"
// (uncompressed) deflate blocks, which every inflater accepts: the blocks are a few dozen bytes,
// and it keeps encoding synchronous.
import { createInflate, constants as zc, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

export const SPDY_VERSION = 3;

export const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
} as const;

/** Header names are lower case; a value may hold several values separated by NUL. */
export type HeaderMap = Record<string, string>;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

const HEADER_LEN = 8;
/** Frames above this are a protocol error (SPDY's 24-bit length allows 16 MiB). */
export const MAX_FRAME_PAYLOAD = (1 << 24) - 1;

function controlHeader(type: FrameType, flags: number, length: number): Buffer {
  const b = Buffer.alloc(HEADER_LEN);
  b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function encodeData(streamId: number, data: Buffer, fin = false): Buffer {
  const b = Buffer.alloc(HEADER_LEN + data.length);
  b.writeUInt32BE(streamId & 0x7fffffff, 0);
  b.writeUInt32BE((((fin ? FLAG_FIN : 0) & 0xff) << 24) | data.length, 4);
  data.copy(b, HEADER_LEN);
  return b;
}

export function encodeSynStream(streamId: number, headerBlock: Buffer, opts: { flags?: number; associatedId?: number; priority?: number } = {}): Buffer {
  const body = Buffer.alloc(10);
  body.writeUInt32BE(streamId & 0x7fffffff, 0);
  body.writeUInt32BE((opts.associatedId ?? 0) & 0x7fffffff, 4);
  body.writeUInt8(((opts.priority ?? 0) & 0x7) << 5, 8);
  body.writeUInt8(0, 9); // credential slot
  return Buffer.concat([controlHeader(FrameType.SynStream, opts.flags ?? 0, body.length + headerBlock.length), body, headerBlock]);
}

export function encodeSynReply(streamId: number, headerBlock: Buffer, flags = 0): Buffer {
  return Buffer.concat([controlHeader(FrameType.SynReply, flags, 4 + headerBlock.length), u32(streamId & 0x7fffffff), headerBlock]);
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  return Buffer.concat([controlHeader(FrameType.RstStream, 0, 8), u32(streamId & 0x7fffffff), u32(status)]);
}

export function encodePing(id: number): Buffer {
  return Buffer.concat([controlHeader(FrameType.Ping, 0, 4), u32(id)]);
}

export function encodeGoAway(lastGoodStreamId: number, status = 0): Buffer {
  return Buffer.concat([controlHeader(FrameType.GoAway, 0, 8), u32(lastGoodStreamId & 0x7fffffff), u32(status)]);
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  return Buffer.concat([controlHeader(FrameType.WindowUpdate, 0, 8), u32(streamId & 0x7fffffff), u32(delta & 0x7fffffff)]);
}

export function encodeSettings(entries: { flags?: number; id: number; value: number }[], flags = 0): Buffer {
  const body = Buffer.alloc(4 + 8 * entries.length);
  body.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    body.writeUInt32BE((((e.flags ?? 0) & 0xff) << 24) | (e.id & 0xffffff), 4 + i * 8);
    body.writeUInt32BE(e.value >>> 0, 8 + i * 8);
  });
  return Buffer.concat([controlHeader(FrameType.Settings, flags, body.length), body]);
}

/** Incremental frame parser: feed bytes as they arrive (frames may span many reads). */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= HEADER_LEN) {
      const length = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < HEADER_LEN + length) break;
      const head = this.buf.subarray(0, HEADER_LEN);
      const payload = this.buf.subarray(HEADER_LEN, HEADER_LEN + length);
      this.buf = this.buf.subarray(HEADER_LEN + length);
      out.push(decodeFrame(head, Buffer.from(payload)));
    }
    return out;
  }
}

function decodeFrame(head: Buffer, p: Buffer): Frame {
  const flags = head.readUInt8(4);
  if ((head.readUInt8(0) & 0x80) === 0) {
    return { type: 'data', streamId: head.readUInt32BE(0) & 0x7fffffff, flags, data: p };
  }
  const version = head.readUInt16BE(0) & 0x7fff;
  const type = head.readUInt16BE(2);
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const need = (n: number) => {
    if (p.length < n) throw new SpdyProtocolError(`control frame type ${type} too short (${p.length} < ${n})`);
  };
  switch (type) {
    case FrameType.SynStream:
      need(10);
      return {
        type: 'syn_stream', flags,
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        associatedId: p.readUInt32BE(4) & 0x7fffffff,
        priority: p.readUInt8(8) >> 5,
        headerBlock: p.subarray(10),
      };
    case FrameType.SynReply:
      need(4);
      return { type: 'syn_reply', flags, streamId: p.readUInt32BE(0) & 0x7fffffff, headerBlock: p.subarray(4) };
    case FrameType.Headers:
      need(4);
      return { type: 'headers', flags, streamId: p.readUInt32BE(0) & 0x7fffffff, headerBlock: p.subarray(4) };
    case FrameType.RstStream:
      need(8);
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case FrameType.Settings: {
      need(4);
      const n = p.readUInt32BE(0);
      need(4 + n * 8);
      const entries = [];
      for (let i = 0; i < n; i++) {
        const fid = p.readUInt32BE(4 + i * 8);
        entries.push({ flags: fid >>> 24, id: fid & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', flags, entries };
    }
    case FrameType.Ping:
      need(4);
      return { type: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GoAway:
      need(8);
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case FrameType.WindowUpdate:
      need(8);
      return { type: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
    default:
      return { type: 'unknown', frameType: type, flags, payload: p };
  }
}

export class SpdyProtocolError extends Error {}

// ---- name/value header blocks ----------------------------------------------------------------

/** The uncompressed name/value block: count, then (len, name, len, value) pairs, 32-bit lengths. */
export function serializeHeaderBlock(headers: HeaderMap): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [k, v] of entries) {
    const name = Buffer.from(k.toLowerCase(), 'utf8');
    const value = Buffer.from(v, 'utf8');
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

export function parseHeaderBlock(raw: Buffer): HeaderMap {
  if (raw.length < 4) throw new SpdyProtocolError('header block too short');
  const n = raw.readUInt32BE(0);
  const out: HeaderMap = {};
  let off = 4;
  const take = (): string => {
    if (off + 4 > raw.length) throw new SpdyProtocolError('truncated header block');
    const len = raw.readUInt32BE(off);
    off += 4;
    if (off + len > raw.length) throw new SpdyProtocolError('truncated header block');
    const s = raw.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const name = take().toLowerCase();
    const value = take();
    out[name] = name in out ? `${out[name]}\0${value}` : value;
  }
  return out;
}

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length; i++) {
    a = (a + buf[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const DICT_ID = adler32(SPDY3_DICTIONARY);
const MAX_STORED = 0xffff;
const SYNC_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/**
 * The sending half of a session's header compression: one continuous zlib stream, emitted as
 * stored blocks so each header block is complete and byte-aligned when its frame is written.
 */
export class HeaderDeflater {
  private started = false;

  compress(headers: HeaderMap): Buffer {
    const raw = serializeHeaderBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      // CMF 0x78 (deflate, 32K window); FLG 0x20 = FDICT with FCHECK making 0x7820 % 31 == 0.
      parts.push(Buffer.from([0x78, 0x20]), u32(DICT_ID));
      this.started = true;
    }
    for (let off = 0; off < raw.length; off += MAX_STORED) {
      const chunk = raw.subarray(off, Math.min(raw.length, off + MAX_STORED));
      const hdr = Buffer.alloc(5);
      hdr.writeUInt8(0, 0); // BFINAL=0, BTYPE=00 (stored); always byte-aligned here
      hdr.writeUInt16LE(chunk.length, 1);
      hdr.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(hdr, chunk);
    }
    // An empty stored block, as Z_SYNC_FLUSH ends a block: Go's inflater only hands out the
    // bytes of a stored block once it sees the next block, so mark the boundary explicitly.
    parts.push(SYNC_MARKER);
    return Buffer.concat(parts);
  }
}

/** The receiving half: a real zlib inflater primed with the dictionary, one block at a time. */
export class HeaderInflater {
  private readonly inflate: Inflate;
  private queue: Promise<unknown> = Promise.resolve();
  private output: Buffer[] = [];
  private failure?: Error;
  private pendingReject?: (e: Error) => void;

  constructor() {
    this.inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    // Flowing mode: output is collected as produced, so large blocks never stall on backpressure.
    this.inflate.on('data', (c: Buffer) => this.output.push(c));
    this.inflate.on('error', (e: Error) => {
      this.failure = e;
      this.pendingReject?.(new SpdyProtocolError(`header block inflate failed: ${e.message}`));
    });
  }

  /** Decompresses one frame's header block; calls are serialized in call order. */
  decompress(block: Buffer): Promise<HeaderMap> {
    const run = this.queue.then(() => this.inflateBlock(block));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private inflateBlock(block: Buffer): Promise<HeaderMap> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(new SpdyProtocolError(`header block inflate failed: ${this.failure.message}`));
      this.output = [];
      this.pendingReject = reject;
      this.inflate.write(block);
      this.inflate.flush(zc.Z_SYNC_FLUSH, () => {
        if (this.failure) return reject(new SpdyProtocolError(`header block inflate failed: ${this.failure.message}`));
        try {
          resolve(parseHeaderBlock(Buffer.concat(this.output)));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  close(): void {
    this.inflate.destroy();
  }
}
