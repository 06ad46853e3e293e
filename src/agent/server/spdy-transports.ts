// Runs a SpdySession over a raw socket (HTTP upgrade to SPDY/3.1) or over binary WebSocket
// messages (kubectl >= 1.31 tunnels port-forward SPDY through WebSocket).
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { SpdySession, type SpdySessionOptions } from './spdy-session.js';

export function spdyOverSocket(socket: Duplex, head: Buffer, opts: SpdySessionOptions): SpdySession {
  const session = new SpdySession({
    write: (frame, cb) => {
      if (socket.destroyed || socket.writableEnded) return cb?.(new Error('socket closed'));
      socket.write(frame, cb);
    },
    close: () => {
      if (!socket.writableEnded) socket.end();
      // A peer that never closes its side must not pin the socket.
      setTimeout(() => socket.destroy(), 5000).unref();
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  }, opts);
  socket.on('data', (d: Buffer) => session.receive(d));
  socket.on('end', () => {
    // The peer is done sending; finish our side too rather than sit half-open.
    session.transportClosed();
    if (!socket.writableEnded) socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  });
  socket.on('close', () => session.transportClosed());
  socket.on('error', (e: Error) => session.transportClosed(e));
  if (head.length) session.receive(head);
  return session;
}

export function spdyOverWebSocket(ws: WebSocket, opts: SpdySessionOptions): SpdySession {
  const session = new SpdySession({
    write: (frame, cb) => {
      if (ws.readyState !== ws.OPEN) return cb?.(new Error('websocket closed'));
      ws.send(frame, { binary: true }, cb);
    },
    close: () => {
      if (ws.readyState === ws.OPEN) ws.close(1000);
      setTimeout(() => ws.terminate(), 5000).unref();
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  }, opts);
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    if (!isBinary) return;
    session.receive(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
  });
  ws.on('close', () => session.transportClosed());
  ws.on('error', (e: Error) => session.transportClosed(e));
  return session;
}
