// An in-process control plane for integration tests: the real API server on a memory (or
// sqlite) store, reached through the in-process transport — no sockets, same semantics.
import pino from 'pino';
import { MemoryStore } from '../../src/storage/memory.js';
import type { Store } from '../../src/storage/store.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { InProcessTransport } from '../../src/client/inprocess-transport.js';
import { RestClient } from '../../src/client/rest-client.js';
import type { ApiClient } from '../../src/client/api.js';

export interface TestCluster {
  api: ApiServer;
  store: Store;
  client: ApiClient;
  stop(): Promise<void>;
}

export async function startTestCluster(opts: { store?: Store } = {}): Promise<TestCluster> {
  const store = opts.store ?? new MemoryStore();
  const logger = pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'silent' });
  const api = new ApiServer({ store, logger });
  await api.start();
  const client = new RestClient(new InProcessTransport(api.handler, { username: 'test-admin', groups: ['system:masters'] }), { userAgent: 'skiff-test' });
  return {
    api,
    store,
    client,
    async stop() {
      await api.stop();
      await store.close();
    },
  };
}
