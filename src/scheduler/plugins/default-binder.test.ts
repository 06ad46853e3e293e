import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findByKind } from '../../api/registry.js';
import type { KubeObject } from '../../client/api.js';
import { Code, CycleState } from '../framework.js';
import { FakeApi } from '../testing/fake-api.js';
import { info, makePod } from '../testing/builders.js';
import { DefaultBinder } from './default-binder.js';

const podsType = findByKind('', 'Pod')!;

test('DefaultBinder posts a Binding and reports API errors with their cause', async () => {
  const api = new FakeApi();
  const created = await api.create(podsType, 'default', makePod('p') as unknown as KubeObject);
  const pi = info(created as unknown as Pod);
  const b = new DefaultBinder(api);
  assert.equal(await b.bind(new CycleState(), pi, 'node-1'), undefined);
  const call = api.calls.find((c) => c.subresource === 'binding')!;
  assert.deepEqual(call.body, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'p', namespace: 'default', uid: created.metadata!.uid },
    target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
  });
  assert.equal(api.peek<Pod>(podsType, 'default', 'p')?.spec?.nodeName, 'node-1');
  const again = await b.bind(new CycleState(), pi, 'node-2');
  assert.equal(again?.code, Code.Error);
  assert.match(again!.message(), /already assigned to node "node-1"/);
  assert.equal((again!.cause as { code: number }).code, 409);
});
