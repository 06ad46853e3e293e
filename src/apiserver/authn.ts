// Authentication: who is calling. Client certificates signed by the cluster CA (CN = user,
// O = groups) and bearer tokens; anything else is anonymous.
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../client/transport.js';

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

export interface TokenAuthenticator {
  authenticate(token: string): UserInfo | undefined;
}

/** Static tokens (the node agents' join token, bootstrap tokens). */
export class StaticTokens implements TokenAuthenticator {
  private readonly tokens = new Map<string, UserInfo>();
  add(token: string, user: UserInfo): void {
    this.tokens.set(token, user);
  }
  authenticate(token: string): UserInfo | undefined {
    return this.tokens.get(token);
  }
}

export function authenticate(req: IncomingMessage, tokenAuth: TokenAuthenticator[]): UserInfo {
  const sock = req.socket as TLSSocket;
  if (sock.authorized && typeof sock.getPeerCertificate === 'function') {
    const cert = sock.getPeerCertificate();
    if (cert && cert.subject) {
      const cn = cert.subject.CN;
      const o = cert.subject.O;
      const groups = Array.isArray(o) ? o : o ? [o] : [];
      if (cn) return { username: Array.isArray(cn) ? cn[0] : cn, groups: [...groups, 'system:authenticated'] };
    }
  }
  const auth = req.headers['authorization'];
  if (auth && /^bearer /i.test(auth)) {
    const token = auth.slice(7).trim();
    for (const a of tokenAuth) {
      const u = a.authenticate(token);
      if (u) return { ...u, groups: [...u.groups, 'system:authenticated'] };
    }
  }
  return ANONYMOUS;
}

export function isAnonymous(u: UserInfo | undefined): boolean {
  return !u || u.username === ANONYMOUS.username;
}
