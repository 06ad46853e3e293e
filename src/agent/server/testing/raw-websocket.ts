// A bare-bones WebSocket client for tests that need a subprotocol name `ws` refuses to send
// (kubectl's "SPDY/3.1+portforward.k8s.io" is not an RFC 7230 token). Binary messages only.
import { randomBytes } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import type { ClientTls } from './spdy-client.js';

export interface RawWebSocket {
  status: number;
  protocol?: string;
  send(data: Buffer, cb?: (err?: Error | null) => void): void;
  close(): void;
  onMessage(cb: (data: Buffer) => void): void;
  onClose(cb: () => void): void;
  socket: TLSSocket;
}

export function rawWebSocket(port: number, path: string, protocol: string, tls: ClientTls): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, ...tls, checkServerIdentity: () => undefined }, () => {
      sock.write([
        `GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Protocol: ${protocol}`, '', '',
      ].join('\r\n'));
    });
    sock.on('error', reject);
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let messageCb: (d: Buffer) => void = () => undefined;
    let closeCb: () => void = () => undefined;
    let fragments: Buffer[] = [];
    const frame = (opcode: number, payload: Buffer): Buffer => {
      const mask = randomBytes(4);
      const len = payload.length;
      const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536
        ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127, 0, 0, 0, 0]), Buffer.from([(len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff])]);
      const masked = Buffer.from(payload);
      for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
      return Buffer.concat([head, mask, masked]);
    };
    const api: RawWebSocket = {
      status: 0,
      socket: sock,
      send: (d, cb) => {
        if (sock.destroyed) return cb?.(new Error('closed'));
        sock.write(frame(0x2, d), cb);
      },
      close: () => {
        if (!sock.destroyed) sock.end(frame(0x8, Buffer.from([0x03, 0xe8])));
      },
      onMessage: (cb) => (messageCb = cb),
      onClose: (cb) => (closeCb = cb),
    };
    sock.on('close', () => closeCb());
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.subarray(0, end).toString().split('\r\n');
        api.status = Number(lines[0].split(' ')[1]);
        api.protocol = lines.find((l) => /^sec-websocket-protocol:/i.test(l))?.split(':').slice(1).join(':').trim();
        buf = buf.subarray(end + 4);
        upgraded = true;
        resolve(api);
      }
      for (;;) {
        if (buf.length < 2) return;
        const fin = (buf[0] & 0x80) !== 0;
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x9) sock.write(frame(0xa, payload));
        else if (opcode === 0x8) sock.end();
        else if (opcode === 0x0 || opcode === 0x1 || opcode === 0x2) {
          fragments.push(Buffer.from(payload));
          if (fin) {
            const msg = Buffer.concat(fragments);
            fragments = [];
            messageCb(msg);
          }
        }
      }
    });
  });
}
