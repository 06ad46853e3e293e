// Test-side SPDY client: upgrade an HTTPS connection to SPDY/3.1 (as kubectl does) and hand
// back a client-mode SpdySession.
import { connect } from 'node:tls';
import { spdyOverSocket } from '../spdy-transports.js';
import type { SpdySession } from '../spdy-session.js';

export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export interface SpdyUpgradeResult {
  status: number;
  headers: Record<string, string>;
  /** Response body when the upgrade was refused. */
  body: string;
  session?: SpdySession;
}

export function spdyUpgrade(port: number, path: string, protocols: string[], tls: ClientTls): Promise<SpdyUpgradeResult> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, ...tls, checkServerIdentity: () => undefined }, () => {
      const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: Upgrade', 'Upgrade: SPDY/3.1', 'Content-Length: 0'];
      for (const p of protocols) lines.push(`X-Stream-Protocol-Version: ${p}`);
      sock.write(lines.join('\r\n') + '\r\n\r\n');
    });
    sock.on('error', reject);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...rest] = buf.subarray(0, end).toString().split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const l of rest) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const after = buf.subarray(end + 4);
      if (status !== 101) {
        let body = after.toString();
        sock.on('data', (more: Buffer) => (body += more.toString()));
        sock.removeListener('data', onData);
        sock.on('end', () => resolve({ status, headers, body }));
        sock.on('close', () => resolve({ status, headers, body }));
        return;
      }
      sock.removeListener('data', onData);
      const session = spdyOverSocket(sock, after, { isServer: false });
      resolve({ status, headers, body: '', session });
    };
    sock.on('data', onData);
  });
}

/** Reads a stream to its end. */
export function readAll(s: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('close', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
  });
}
