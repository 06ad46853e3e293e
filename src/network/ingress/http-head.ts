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
const CHUNKED: BodyFraming = { kind: 'chunked' };
const UNTIL_CLOSE: BodyFraming = { kind: 'until-close' };

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

const DIGITS = /^\d{1,15}$/;
// Dropped from requests: Connection, Keep-Alive, Proxy-Connection, TE, Trailer and the X-Forwarded-*
// / X-Real-IP set that the proxy writes itself. Dropped from responses: Connection, Keep-Alive,
// Proxy-Connection, Upgrade (Transfer-Encoding stays: the body is forwarded as framed).

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

/** A request head scanned in place: header lines to forward are byte ranges of the buffer. */
export interface ScannedRequest {
  method: string;
  /** Path and query as sent (origin-form). */
  target: string;
  /** Host header ('' when absent). */
  host: string;
  /** X-Forwarded-For values the client sent, joined with ", " ('' when none). */
  forwardedFor: string;
  body: BodyFraming;
  /** The client asked to close the connection after this exchange. */
  close: boolean;
  /** [start, end) pairs of header lines (with their CRLFs) to forward, in order. */
  keep: number[];
}

/** tchar of RFC 9110, by byte. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
const SP_HTTP11 = Buffer.from(' HTTP/1.1', 'latin1');

/** Index of the CR ending the line that starts at `pos` (or `end`); -1 on a forbidden byte. */
function lineEnd(buf: Buffer, pos: number, end: number): number {
  for (; pos < end; pos++) {
    const c = buf[pos];
    if (c < 32) {
      if (c === 13) return buf[pos + 1] === 10 ? pos : -1;
      if (c !== 9) return -1;
    } else if (c === 127) return -1;
  }
  return end;
}

/** Trimmed value bytes [a, b) of a header line as a latin1 string. */
function valueOf(buf: Buffer, a: number, b: number): string {
  while (a < b && (buf[a] === 32 || buf[a] === 9)) a++;
  while (b > a && (buf[b - 1] === 32 || buf[b - 1] === 9)) b--;
  return buf.toString('latin1', a, b);
}

/**
 * Scans a request head in buf[0..end) (end: index of the CRLFCRLF) without splitting it into
 * strings; undefined → not for the fast path.
 */
export function scanRequestHead(buf: Buffer, end: number): ScannedRequest | undefined {
  // Request line: method SP origin-form SP HTTP/1.1
  let i = 0;
  while (i < end && TCHAR[buf[i]]) i++;
  if (i === 0 || buf[i] !== 32) return undefined;
  const method = i === 3 && buf[0] === 71 && buf[1] === 69 && buf[2] === 84 ? 'GET' : buf.toString('latin1', 0, i);
  const t0 = ++i;
  if (buf[i] !== 47) return undefined;
  for (; i < end; i++) {
    const c = buf[i];
    if (c <= 32 || c === 127) break;
  }
  const t1 = i;
  if (i + 9 > end || buf.compare(SP_HTTP11, 0, 9, i, i + 9) !== 0 || (i + 9 < end && (buf[i + 9] !== 13 || buf[i + 10] !== 10))) return undefined;
  const target = buf.toString('latin1', t0, t1);
  let pos = i + 11;
  let host: string | undefined;
  let length = -1;
  let chunked = false;
  let close = false;
  let forwardedFor = '';
  const keep: number[] = [];
  while (pos < end + 2 && t1 + 9 < end) {
    const eol = lineEnd(buf, pos, end);
    if (eol < 0) return undefined;
    let colon = pos;
    while (colon < eol && TCHAR[buf[colon]]) colon++;
    if (colon === pos || colon === eol || buf[colon] !== 58) return undefined;
    const n = colon - pos;
    let drop = false;
    switch (n) {
      case 4:
        if (eqLower(buf, pos, 'host')) {
          if (host !== undefined) return undefined;
          host = valueOf(buf, colon + 1, eol);
        }
        break;
      case 14:
        if (eqLower(buf, pos, 'content-length')) {
          if (length >= 0) return undefined;
          const v = valueOf(buf, colon + 1, eol);
          if (!DIGITS.test(v)) return undefined;
          length = Number(v);
        }
        break;
      case 17:
        if (eqLower(buf, pos, 'transfer-encoding')) {
          if (chunked || valueOf(buf, colon + 1, eol).toLowerCase() !== 'chunked') return undefined;
          chunked = true;
        } else drop = eqLower(buf, pos, 'x-forwarded-proto');
        break;
      case 10:
        if (eqLower(buf, pos, 'connection')) {
          const t = connectionTokens(buf.toString('latin1', colon + 1, eol));
          if (t.other) return undefined;
          if (t.close) close = true;
          drop = true;
        } else drop = eqLower(buf, pos, 'keep-alive');
        break;
      case 7:
        if (eqLower(buf, pos, 'upgrade')) return undefined;
        drop = eqLower(buf, pos, 'trailer');
        break;
      case 6:
        if (eqLower(buf, pos, 'expect')) return undefined;
        break;
      case 15:
        if (eqLower(buf, pos, 'x-forwarded-for')) {
          const v = valueOf(buf, colon + 1, eol);
          forwardedFor = forwardedFor ? `${forwardedFor}, ${v}` : v;
          drop = true;
        }
        break;
      case 16:
        drop = eqLower(buf, pos, 'proxy-connection') || eqLower(buf, pos, 'x-forwarded-host');
        break;
      case 2:
        drop = eqLower(buf, pos, 'te');
        break;
      case 9:
        drop = eqLower(buf, pos, 'x-real-ip');
        break;
    }
    const next = eol + 2;
    if (!drop) {
      const k = keep.length;
      if (k && keep[k - 1] === pos) keep[k - 1] = next;
      else keep.push(pos, next);
    }
    pos = next;
  }
  if (chunked && length >= 0) return undefined; // smuggling-shaped: let llhttp reject it
  const body: BodyFraming = chunked ? CHUNKED : length > 0 ? { kind: 'length', length } : NO_BODY;
  return { method, target, host: host ?? '', forwardedFor, body, close, keep };
}

/** Parses a request head (latin1 text without the final CRLFCRLF); undefined → not for the fast path. */
export function parseRequestHead(text: string): RequestHead | undefined {
  const buf = Buffer.from(text + '\r\n\r\n', 'latin1');
  const r = scanRequestHead(buf, text.length);
  if (!r) return undefined;
  let forward = '';
  for (let k = 0; k < r.keep.length; k += 2) forward += buf.toString('latin1', r.keep[k], r.keep[k + 1]);
  return { method: r.method, target: r.target, host: r.host, forward, forwardedFor: r.forwardedFor, body: r.body, close: r.close };
}

/** A response head scanned in place: what to forward is given as byte ranges of the buffer. */
export interface ScannedResponse {
  status: number;
  body: BodyFraming;
  close: boolean;
  /** Index just past the status line's CRLF. */
  statusLineEnd: number;
  /** [start, end) pairs of header lines (with their CRLFs) to forward, in order. */
  keep: number[];
}

const HTTP11 = Buffer.from('HTTP/1.1', 'latin1');

const enum C {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Colon = 58,
}

/** ASCII-case-insensitive comparison of buf[at..at+word.length) with a lower-case word. */
function eqLower(buf: Buffer, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    let c = buf[at + i];
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Scans a backend's response head in buf[0..end) (end: index of the CRLFCRLF) without making
 * strings of it, the per-response work of the fast path; undefined → malformed.
 */
export function scanResponseHead(buf: Buffer, end: number, requestMethod: string): ScannedResponse | undefined {
  // Status line: HTTP/1.[01] SP [1-9]DD [SP reason]
  if (end < 12 || buf[0] !== 72 || buf[1] !== 84 || buf[2] !== 84 || buf[3] !== 80 || buf[4] !== 47 || buf[5] !== 49 || buf[6] !== 46) return undefined;
  const minor = buf[7];
  if ((minor !== 48 && minor !== 49) || buf[8] !== C.Space) return undefined;
  const d0 = buf[9] - 48;
  const d1 = buf[10] - 48;
  const d2 = buf[11] - 48;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
  const status = d0 * 100 + d1 * 10 + d2;
  let close = minor === 48;
  let i = 12;
  if (i < end && buf[i] !== C.Cr) {
    if (buf[i] !== C.Space) return undefined;
  }
  // The rest of the status line: anything but CR / LF / controls.
  for (; i < end; i++) {
    const c = buf[i];
    if (c === C.Cr) break;
    if ((c < 32 && c !== C.Tab) || c === 127) return undefined;
  }
  if (i < end && buf[i + 1] !== C.Lf) return undefined;
  const statusLineEnd = i + 2;
  const keep: number[] = [];
  let length = -1;
  let te: string | undefined;
  let pos = statusLineEnd;
  while (pos < end + 2 && statusLineEnd <= end) {
    // One header line buf[pos..eol), eol at the CR of its CRLF (end for the last one).
    let colon = -1;
    let eol = pos;
    for (; eol < end; eol++) {
      const c = buf[eol];
      if (c === C.Cr) break;
      if ((c < 32 && c !== C.Tab) || c === 127) return undefined;
      if (c === C.Colon && colon < 0) colon = eol;
    }
    if (eol < end && buf[eol + 1] !== C.Lf) return undefined;
    if (colon <= pos) return undefined;
    const nameLen = colon - pos;
    let drop = false;
    if (nameLen === 10 && eqLower(buf, pos, 'connection')) {
      const v = buf.toString('latin1', colon + 1, eol).toLowerCase();
      if (v.includes('close')) close = true;
      else if (v.includes('keep-alive')) close = false;
      drop = true;
    } else if ((nameLen === 10 && eqLower(buf, pos, 'keep-alive')) || (nameLen === 16 && eqLower(buf, pos, 'proxy-connection')) || (nameLen === 7 && eqLower(buf, pos, 'upgrade'))) {
      drop = true;
    } else if (nameLen === 14 && eqLower(buf, pos, 'content-length')) {
      let a = colon + 1;
      let b = eol;
      while (a < b && (buf[a] === C.Space || buf[a] === C.Tab)) a++;
      while (b > a && (buf[b - 1] === C.Space || buf[b - 1] === C.Tab)) b--;
      if (b === a || b - a > 15) return undefined;
      let v = 0;
      for (let k = a; k < b; k++) {
        const d = buf[k] - 48;
        if (d < 0 || d > 9) return undefined;
        v = v * 10 + d;
      }
      if (length >= 0 && length !== v) return undefined;
      if (length >= 0) drop = true; // identical duplicates collapse to one
      length = v;
    } else if (nameLen === 17 && eqLower(buf, pos, 'transfer-encoding')) {
      te = (te ? te + ',' : '') + trimOws(buf.toString('latin1', colon + 1, eol)).toLowerCase();
    }
    const next = eol + 2;
    if (!drop) {
      const k = keep.length;
      if (k && keep[k - 1] === pos) keep[k - 1] = next; // adjacent kept lines: one range
      else keep.push(pos, next);
    }
    pos = next;
  }
  let body: BodyFraming;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) body = NO_BODY;
  else if (te !== undefined) body = /(?:^|,)\s*chunked\s*$/.test(te) ? CHUNKED : UNTIL_CLOSE;
  else if (length >= 0) body = length ? { kind: 'length', length } : NO_BODY;
  else body = UNTIL_CLOSE;
  if (body.kind === 'until-close') close = true;
  return { status, body, close, statusLineEnd: Math.min(statusLineEnd, end + 2), keep };
}

/** Bytes of a scanned response head as forwarded: "HTTP/1.1" status line and kept header lines (no final CRLF). */
export function forwardedResponseHeadLength(r: ScannedResponse): number {
  let n = r.statusLineEnd;
  for (let k = 0; k < r.keep.length; k += 2) n += r.keep[k + 1] - r.keep[k];
  return n;
}

/** Copies the forwarded response head into out at `at`; returns the index after it. */
export function copyResponseHead(r: ScannedResponse, src: Buffer, out: Buffer, at: number): number {
  // Answer as HTTP/1.1 whatever the backend spoke: the client's connection is ours.
  HTTP11.copy(out, at);
  at += src.copy(out, at + 8, 8, r.statusLineEnd) + 8;
  for (let k = 0; k < r.keep.length; k += 2) at += src.copy(out, at, r.keep[k], r.keep[k + 1]);
  return at;
}

/** Parses a backend's response head (latin1, without the final CRLFCRLF); undefined → malformed. */
export function parseResponseHead(text: string, requestMethod: string): ResponseHead | undefined {
  const buf = Buffer.from(text + '\r\n\r\n', 'latin1');
  const r = scanResponseHead(buf, text.length, requestMethod);
  if (!r) return undefined;
  const out = Buffer.allocUnsafe(forwardedResponseHeadLength(r));
  copyResponseHead(r, buf, out, 0);
  return { status: r.status, head: out.toString('latin1'), body: r.body, close: r.close };
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
