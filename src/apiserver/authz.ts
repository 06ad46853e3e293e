// Authorization: may this user do this verb on this resource? RBAC plugs in here later;
// today every authenticated identity is allowed, anonymous only the public-info paths.
import type { UserInfo } from '../client/transport.js';
import type { RequestInfo } from './request-info.js';

export type Decision = { allowed: true } | { allowed: false; reason: string };

export interface Authorizer {
  authorize(user: UserInfo, info: RequestInfo): Decision | Promise<Decision>;
}

/** Paths upstream's system:public-info-viewer role opens to everyone. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export class AuthenticatedAllowed implements Authorizer {
  authorize(user: UserInfo, info: RequestInfo): Decision {
    if (user.groups.includes('system:authenticated')) return { allowed: true };
    if (!info.isResourceRequest && PUBLIC_PATHS.has(info.path)) return { allowed: true };
    return { allowed: false, reason: 'anonymous' };
  }
}
