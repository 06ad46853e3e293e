// A SPDY/3.1 session over any byte transport (a TLS socket after an HTTP upgrade, or binary
// WebSocket messages when kubectl tunnels SPDY inside WebSocket). Streams are Node Duplexes:
// reading yields the peer's DATA, writing sends DATA, end() sends FIN, destroy() sends RST.
//
// Like Go's spdystream (kubectl's peer library) this does not enforce SPDY flow-control windows;
// backpressure comes from pausing the transport while a stream's reader is full.
import { Duplex } from 'node:stream';
import {
  FrameDecoder, HeaderDeflater, HeaderInflater, RstStatus, SpdyProtocolError,
  encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynReply, encodeSynStream,
  FLAG_FIN, type Frame, type HeaderMap,
} from './spdy-frames.js';

/** Where a session's frames go. `write` calls `cb` once the bytes are handed to the OS. */
export interface FrameTransport {
  write(frame: Buffer, cb?: (err?: Error | null) => void): void;
  /** Close gracefully after pending writes. */
  close(): void;
  pause(): void;
  resume(): void;
}

const MAX_DATA_FRAME = 32 * 1024;

export class SpdyStream extends Duplex {
  /** Set once the peer answered our SYN_STREAM (client side). */
  replied = false;
  private localFin = false;
  private remoteFin = false;
  private wantsData = true;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: HeaderMap,
  ) {
    super({ allowHalfOpen: true });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localFin) return cb(new Error(`write after FIN on SPDY stream ${this.id}`));
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    for (let off = 0; off < buf.length; off += MAX_DATA_FRAME) {
      const last = off + MAX_DATA_FRAME >= buf.length;
      this.session.writeFrame(encodeData(this.id, buf.subarray(off, off + MAX_DATA_FRAME)), last ? cb : undefined);
    }
    if (buf.length === 0) cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finish();
    cb();
  }

  override _read(): void {
    if (!this.wantsData) {
      this.wantsData = true;
      this.session.streamWantsData();
    }
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (!this.localFin || !this.remoteFin) this.session.reset(this.id, RstStatus.Cancel);
    this.localFin = this.remoteFin = true;
    this.session.forget(this.id);
    cb(err);
  }

  /** Sends FIN without waiting for buffered writes (they are already queued in order). */
  private finish(): void {
    if (this.localFin) return;
    this.localFin = true;
    this.session.writeFrame(encodeData(this.id, Buffer.alloc(0), true));
    this.maybeDone();
  }

  /** @internal */
  receiveData(data: Buffer, fin: boolean): void {
    if (this.remoteFin) return;
    if (data.length > 0 && !this.push(data)) {
      this.wantsData = false;
      this.session.streamFull();
    }
    if (fin) this.receiveFin();
  }

  /** @internal */
  receiveFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    this.maybeDone();
  }

  /** @internal the peer reset the stream, or the session went away. */
  receiveReset(): void {
    this.localFin = this.remoteFin = true;
    this.push(null);
    this.emit('reset');
    this.session.forget(this.id);
    this.destroy();
  }

  get isFull(): boolean {
    return !this.wantsData;
  }

  private maybeDone(): void {
    if (this.localFin && this.remoteFin) this.session.forget(this.id);
  }
}

export interface SpdySessionOptions {
  /** Servers accept odd (client-initiated) stream ids and create even ones. */
  isServer: boolean;
  /** A peer opened a stream. The session answers SYN_REPLY right after this returns. */
  onStream?: (stream: SpdyStream) => void;
  onClose?: (err?: Error) => void;
}

export class SpdySession {
  private readonly decoder = new FrameDecoder();
  private readonly deflater = new HeaderDeflater();
  private readonly inflater = new HeaderInflater();
  private readonly streams = new Map<number, SpdyStream>();
  private chain: Promise<void> = Promise.resolve();
  private nextStreamId: number;
  private nextPingId: number;
  private lastPeerStreamId = 0;
  private paused = false;
  private closed = false;
  private readonly pingWaiters = new Map<number, () => void>();

  constructor(
    private readonly transport: FrameTransport,
    private readonly opts: SpdySessionOptions,
  ) {
    this.nextStreamId = opts.isServer ? 2 : 1;
    this.nextPingId = opts.isServer ? 2 : 1;
  }

  /** Feed bytes read from the transport. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      return this.fail(e as Error);
    }
    for (const f of frames) {
      // Header blocks inflate asynchronously; keep frame handling strictly in arrival order.
      this.chain = this.chain.then(() => this.handle(f)).catch((e: Error) => this.fail(e));
    }
  }

  /** The transport ended or failed: every stream ends. */
  transportClosed(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    void this.chain.finally(() => {
      for (const s of [...this.streams.values()]) s.receiveReset();
      this.streams.clear();
      this.inflater.close();
      this.opts.onClose?.(err);
    });
  }

  /** Opens a stream (client side, or server push). Resolves when the peer replies. */
  createStream(headers: HeaderMap, fin = false): SpdyStream {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new SpdyStream(this, id, headers);
    this.streams.set(id, s);
    this.writeFrame(encodeSynStream(id, this.deflater.compress(headers), { flags: fin ? FLAG_FIN : 0 }));
    if (fin) s.end();
    return s;
  }

  ping(): Promise<void> {
    const id = this.nextPingId;
    this.nextPingId += 2;
    return new Promise((resolve) => {
      this.pingWaiters.set(id, resolve);
      this.writeFrame(encodePing(id));
    });
  }

  /** GOAWAY, then close the transport once queued frames are out. */
  close(): void {
    if (this.closed) return;
    this.writeFrame(encodeGoAway(this.lastPeerStreamId, 0));
    this.transport.close();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** @internal */
  writeFrame(frame: Buffer, cb?: (err?: Error | null) => void): void {
    if (this.closed) {
      cb?.(new Error('SPDY session closed'));
      return;
    }
    this.transport.write(frame, cb);
  }

  /** @internal */
  reset(id: number, status: number): void {
    if (!this.closed && this.streams.has(id)) this.writeFrame(encodeRstStream(id, status));
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** @internal a stream's reader is full: stop reading the transport. */
  streamFull(): void {
    if (!this.paused) {
      this.paused = true;
      this.transport.pause();
    }
  }

  /** @internal */
  streamWantsData(): void {
    if (this.paused && ![...this.streams.values()].some((s) => s.isFull)) {
      this.paused = false;
      this.transport.resume();
    }
  }

  private async handle(f: Frame): Promise<void> {
    switch (f.type) {
      case 'syn_stream': {
        const headers = await this.inflater.decompress(f.headerBlock);
        const peerInitiated = this.opts.isServer ? f.streamId % 2 === 1 : f.streamId % 2 === 0;
        if (!peerInitiated || f.streamId <= this.lastPeerStreamId || this.streams.has(f.streamId)) {
          this.writeFrame(encodeRstStream(f.streamId, RstStatus.ProtocolError));
          return;
        }
        this.lastPeerStreamId = f.streamId;
        const s = new SpdyStream(this, f.streamId, headers);
        s.replied = true;
        this.streams.set(f.streamId, s);
        this.opts.onStream?.(s);
        if (!s.destroyed) this.writeFrame(encodeSynReply(f.streamId, this.deflater.compress({})));
        if (f.flags & FLAG_FIN) s.receiveFin();
        return;
      }
      case 'syn_reply': {
        await this.inflater.decompress(f.headerBlock);
        const s = this.streams.get(f.streamId);
        if (s && !s.replied) {
          s.replied = true;
          s.emit('reply');
        }
        if (s && f.flags & FLAG_FIN) s.receiveFin();
        return;
      }
      case 'headers': {
        await this.inflater.decompress(f.headerBlock); // keeps the shared zlib stream in step
        const s = this.streams.get(f.streamId);
        if (s && f.flags & FLAG_FIN) s.receiveFin();
        return;
      }
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return; // data for a stream already gone: drop, like spdystream
        s.receiveData(f.data, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.receiveReset();
        return;
      case 'ping': {
        const ours = this.opts.isServer ? f.id % 2 === 0 : f.id % 2 === 1;
        if (ours) {
          this.pingWaiters.get(f.id)?.();
          this.pingWaiters.delete(f.id);
        } else this.writeFrame(encodePing(f.id));
        return;
      }
      case 'goaway':
        // The peer opens no more streams; existing ones finish normally.
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
    }
  }

  private fail(e: Error): void {
    if (this.closed) return;
    if (e instanceof SpdyProtocolError) this.writeFrame(encodeGoAway(this.lastPeerStreamId, 1));
    this.transport.close();
    this.transportClosed(e);
  }
}
