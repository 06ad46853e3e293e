// Test fixture: the in-process API server plus an admin client that passes the
// authenticated-users authorizer.
import type { ApiClient } from '../../client/api.js';
import { InProcessTransport } from '../../client/inprocess-transport.js';
import { RestClient } from '../../client/rest-client.js';
import { startTestCluster } from '../../../test/integration/cluster.js';

export interface AdminCluster {
  client: ApiClient;
  stop(): Promise<void>;
}

export async function startAdminCluster(): Promise<AdminCluster> {
  const tc = await startTestCluster();
  const client = new RestClient(new InProcessTransport(tc.api.handler, { username: 'test-admin', groups: ['system:masters', 'system:authenticated'] }));
  return { client, stop: () => tc.stop() };
}

/** Poll until fn returns a truthy value (bounded). */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 3000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
