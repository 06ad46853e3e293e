// The small HTTP/1.1 message-head parser of the ingress fast path (socket-level proxy). It only
// understands the common case — origin-form HTTP/1.1 requests with at most one Host,
// Content-Length or `Transfer-Encoding: chunked` — and answers `undefined` for anything else,
// which the caller hands to Node's full HTTP server (llhttp) instead: HTTP/1.0, Expect,
// Upgrade, absolute-form targets, ambiguous framing, odd Connection options, malformed lines.
// It also tracks where a message body ends (Content-Length or chunked framing), because the
// fast path forwards body bytes verbatim and must know when the next message starts.

export const HEAD_END = '\r\n\r\n';
/** Longest request/response head the fast path parses (Node's default limit is 16 KiB). */
export const MAX_HEAD_BYTES = 16 * 1024;

export type BodyFraming = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'until-close' };

const NO_BODY: BodyFraming = { kind: 'none' };

export interface RequestHead {
  method: string;
  /** Path and query as sent (origin-form). */
  target: string;
  /** Host header ('' when absent). */
  host: string;
  /** Header lines to forward, each ending in CRLF (hop-by-hop and X-Forwarded-* removed). */
  forward: string;
  /** X-Forwarded-For values the client sent, joined with ", " ('' when none). */
  forwardedFor: string;
  body: BodyFraming;
  /** The client asked to close the connection after this exchange. */
  close: boolean;
}

export interface ResponseHead {
  status: number;
  /** Status line and end-to-end header lines (each ending in CRLF), without the final CRLF. */
  head: string;
  body: BodyFraming;
  /** The backend will close its connection after this response. */
  close: boolean;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\/[\x21-\x7e\x80-\xff]*) HTTP\/1\.1$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
/** Control characters other than HTAB, and CR or LF outside a CRLF pair. */
const BAD_BYTES = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;
const DIGITS = /^\d{1,15}$/;

/** Dropped from requests: hop-by-hop, and the X-Forwarded-* set that the proxy writes itself. */
const REQUEST_DROP = new Set(['keep-alive', 'proxy-connection', 'te', 'trailer', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-proto']);
/** Dropped from responses: hop-by-hop (transfer-encoding stays: the body is forwarded as framed). */
const RESPONSE_DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Connection header tokens: close / keep-alive are fine, anything else sends the request to the slow path. */
function connectionTokens(v: string): { close: boolean; other: boolean } {
  let close = false;
  let other = false;
  for (const raw of v.split(',')) {
    const t = trimOws(raw).toLowerCase();
    if (t === 'close') close = true;
    else if (t !== 'keep-alive' && t !== '') other = true;
  }
  return { close, other };
}

/** Parses a request head (latin1 text without the final CRLFCRLF); undefined → not for the fast path. */
export function parseRequestHead(text: string): RequestHead | undefined {
  if (BAD_BYTES.test(text)) return undefined;
  const lines = text.split('\r\n');
  const m = REQUEST_LINE.exec(lines[0]);
  if (!m) return undefined;
  let host: string | undefined;
  let length: number | undefined;
  let chunked = false;
  let close = false;
  let forwardedFor = '';
  let forward = '';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const value = trimOws(line.slice(colon + 1));
    const lname = name.toLowerCase();
    switch (lname) {
      case 'host':
        if (host !== undefined) return undefined;
        host = value;
        forward += line + '\r\n';
        break;
      case 'content-length':
        if (length !== undefined || !DIGITS.test(value)) return undefined;
        length = Number(value);
        forward += line + '\r\n';
        break;
      case 'transfer-encoding':
        if (chunked || value.toLowerCase() !== 'chunked') return undefined;
        chunked = true;
        forward += line + '\r\n';
        break;
      case 'connection': {
        const t = connectionTokens(value);
        if (t.other) return undefined;
        if (t.close) close = true;
        break;
      }
      case 'upgrade':
      case 'expect':
        return undefined;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
        break;
      default:
        if (!REQUEST_DROP.has(lname)) forward += line + '\r\n';
    }
  }
  if (chunked && length !== undefined) return undefined; // smuggling-shaped: let llhttp reject it
  const body: BodyFraming = chunked ? { kind: 'chunked' } : length ? { kind: 'length', length } : NO_BODY;
  return { method: m[1], target: m[2], host: host ?? '', forward, forwardedFor, body, close };
}

/** Parses a backend's response head (latin1, without the final CRLFCRLF); undefined → malformed. */
export function parseResponseHead(text: string, requestMethod: string): ResponseHead | undefined {
  if (BAD_BYTES.test(text)) return undefined;
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0]);
  if (!m) return undefined;
  const status = Number(m[2]);
  let close = m[1] === '0';
  let length: number | undefined;
  let te: string | undefined;
  // Answer as HTTP/1.1 whatever the backend spoke: the client's connection is ours.
  let head = 'HTTP/1.1' + lines[0].slice(8) + '\r\n';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const lname = line.slice(0, colon).toLowerCase();
    if (lname === 'connection') {
      const v = line.slice(colon + 1).toLowerCase();
      if (v.includes('close')) close = true;
      else if (v.includes('keep-alive')) close = false;
      continue;
    }
    if (RESPONSE_DROP.has(lname)) continue;
    if (lname === 'content-length') {
      const v = trimOws(line.slice(colon + 1));
      if (!DIGITS.test(v) || (length !== undefined && length !== Number(v))) return undefined;
      if (length !== undefined) continue; // identical duplicates collapse to one
      length = Number(v);
    } else if (lname === 'transfer-encoding') {
      te = (te ? te + ',' : '') + trimOws(line.slice(colon + 1)).toLowerCase();
    }
    head += line + '\r\n';
  }
  let body: BodyFraming;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) body = NO_BODY;
  else if (te !== undefined) body = /(?:^|,)\s*chunked\s*$/.test(te) ? { kind: 'chunked' } : { kind: 'until-close' };
  else if (length !== undefined) body = length ? { kind: 'length', length } : NO_BODY;
  else body = { kind: 'until-close' };
  if (body.kind === 'until-close') close = true;
  return { status, head, body, close };
}

const enum Chunk {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  EndLf,
}
const MAX_CHUNK_LINE = 4096;
const MAX_TRAILERS = MAX_HEAD_BYTES;

/** Follows chunked framing across buffers to find where the message ends. */
export class ChunkedReader {
  private state = Chunk.Size;
  private size = 0;
  private digits = 0;
  private remaining = 0;
  private lineBytes = 0;

  /** Index in `buf` just past the end of the message, or -1 when it continues beyond `buf`. Throws on bad framing. */
  scan(buf: Buffer, from = 0): number {
    let i = from;
    const n = buf.length;
    while (i < n) {
      if (this.state === Chunk.Data) {
        const take = Math.min(this.remaining, n - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = Chunk.DataCr;
        continue;
      }
      const c = buf[i++];
      if (++this.lineBytes > (this.state >= Chunk.TrailerStart ? MAX_TRAILERS : MAX_CHUNK_LINE)) throw new Error('chunk line too long');
      switch (this.state) {
        case Chunk.Size: {
          const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (d >= 0) {
            if (++this.digits > 12) throw new Error('chunk size too large');
            this.size = this.size * 16 + d;
          } else if (this.digits === 0) throw new Error('bad chunk size');
          else if (c === 13) this.state = Chunk.SizeLf;
          else if (c === 59 || c === 32 || c === 9) this.state = Chunk.Ext;
          else throw new Error('bad chunk size');
          break;
        }
        case Chunk.Ext:
          if (c === 13) this.state = Chunk.SizeLf;
          break;
        case Chunk.SizeLf:
          if (c !== 10) throw new Error('bad chunk line');
          this.lineBytes = 0;
          if (this.size === 0) this.state = Chunk.TrailerStart;
          else {
            this.remaining = this.size;
            this.state = Chunk.Data;
          }
          this.size = 0;
          this.digits = 0;
          break;
        case Chunk.DataCr:
          if (c !== 13) throw new Error('missing CRLF after chunk data');
          this.state = Chunk.DataLf;
          break;
        case Chunk.DataLf:
          if (c !== 10) throw new Error('missing CRLF after chunk data');
          this.state = Chunk.Size;
          this.lineBytes = 0;
          break;
        case Chunk.TrailerStart:
          this.state = c === 13 ? Chunk.EndLf : Chunk.TrailerLine;
          break;
        case Chunk.TrailerLine:
          if (c === 13) this.state = Chunk.TrailerLf;
          break;
        case Chunk.TrailerLf:
          if (c !== 10) throw new Error('bad trailer line');
          this.state = Chunk.TrailerStart;
          break;
        case Chunk.EndLf:
          if (c !== 10) throw new Error('bad end of chunked body');
          this.state = Chunk.Size;
          this.lineBytes = 0;
          return i;
      }
    }
    return -1;
  }
}

/** Tracks one message body: how many of the next bytes belong to it and whether it has ended. */
export class BodyTracker {
  private left: number;
  private readonly chunks?: ChunkedReader;
  done: boolean;

  constructor(readonly framing: BodyFraming) {
    this.left = framing.kind === 'length' ? framing.length : 0;
    this.chunks = framing.kind === 'chunked' ? new ChunkedReader() : undefined;
    this.done = framing.kind === 'none';
  }

  /** Bytes of `buf` (from `from`) that belong to the body; sets `done` when the body ends within them. */
  take(buf: Buffer, from = 0): number {
    if (this.done) return 0;
    const avail = buf.length - from;
    switch (this.framing.kind) {
      case 'length': {
        const n = Math.min(this.left, avail);
        this.left -= n;
        if (this.left === 0) this.done = true;
        return n;
      }
      case 'chunked': {
        const end = this.chunks!.scan(buf, from);
        if (end < 0) return avail;
        this.done = true;
        return end - from;
      }
      default:
        return avail; // until-close: everything, ended by the connection closing
    }
  }
}
