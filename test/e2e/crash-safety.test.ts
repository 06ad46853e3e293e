// SIGKILL during a write load: after restart every acknowledged write is there and
// resource versions keep increasing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, startSkiff } from './harness.js';

test('acknowledged writes survive SIGKILL of skiff server (sqlite)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-crash-'));
  try {
    const s1 = await startSkiff(['--no-agent'], { dataDir });
    const acked: string[] = [];
    let maxRv = 0;
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop && i < 5000; i++) {
        const name = `crash-${w}-${i}`;
        try {
          const r = await apiRequest(s1, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }));
          if (r.status === 201) {
            acked.push(name);
            maxRv = Math.max(maxRv, Number(r.json().metadata.resourceVersion));
          }
        } catch {
          return; // connection refused/reset once the server is gone
        }
      }
    });
    // Let the load run, then kill the server mid-flight.
    const deadline = Date.now() + 15_000;
    while (acked.length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await s1.stop('SIGKILL');
    stop = true;
    await Promise.all(writers);
    assert.ok(acked.length >= 100, `too few writes before the kill: ${acked.length}`);

    const s2 = await startSkiff(['--no-agent'], { dataDir });
    try {
      const list = (await apiRequest(s2, 'GET', '/api/v1/namespaces/default/configmaps')).json();
      const have = new Set(list.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      const missing = acked.filter((n) => !have.has(n));
      assert.deepEqual(missing, [], `${missing.length} acknowledged writes were lost`);
      const c = await apiRequest(s2, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } }));
      assert.equal(c.status, 201);
      assert.ok(Number(c.json().metadata.resourceVersion) > maxRv, 'resource versions keep increasing after restart');
    } finally {
      await s2.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
