import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { calculateStatus, deploymentTimedOut, rolloutStatus, stuckRequeueAfter } from './status.js';

const T0 = Date.parse('2024-01-01T00:00:00Z');

function deploy(replicas: number, status: Deployment['status'] = {}, generation = 2): Deployment {
  return { metadata: { name: 'web', generation }, spec: { replicas, selector: {}, template: {}, progressDeadlineSeconds: 600 }, status };
}
function rs(name: string, spec: number, st: { replicas?: number; ready?: number; available?: number }): ReplicaSet {
  return { metadata: { name }, spec: { replicas: spec, selector: {}, template: {} }, status: { replicas: st.replicas ?? spec, readyReplicas: st.ready, availableReplicas: st.available } };
}

describe('deployment status', () => {
  test('sums the replica sets and sets Available against maxUnavailable', () => {
    const old = rs('old', 2, { replicas: 2, ready: 2, available: 2 });
    const fresh = rs('new', 2, { replicas: 2, ready: 1, available: 1 });
    const s = calculateStatus([old, fresh], fresh, deploy(3), T0);
    assert.equal(s.observedGeneration, 2);
    assert.equal(s.replicas, 4);
    assert.equal(s.updatedReplicas, 2);
    assert.equal(s.readyReplicas, 3);
    assert.equal(s.availableReplicas, 3);
    assert.equal(s.unavailableReplicas, 1);
    const avail = s.conditions!.find((c) => c.type === 'Available')!;
    assert.equal(avail.status, 'True');
    assert.equal(avail.reason, 'MinimumReplicasAvailable');
    const s2 = calculateStatus([rs('new', 3, { available: 1 })], undefined, deploy(3), T0);
    assert.equal(s2.conditions!.find((c) => c.type === 'Available')!.reason, 'MinimumReplicasUnavailable');
  });
  test('Progressing: ReplicaSetUpdated on progress, NewReplicaSetAvailable when complete', () => {
    const start = deploy(3, { conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', lastUpdateTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' }] });
    const mid = rolloutStatus([rs('new', 3, { replicas: 2, ready: 1, available: 1 })], rs('new', 3, { replicas: 2, ready: 1, available: 1 }), start, T0 + 5000);
    const p = mid.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(p.reason, 'ReplicaSetUpdated');
    assert.equal(p.message, 'ReplicaSet "new" is progressing.');
    assert.equal(p.lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.equal(p.lastUpdateTime, '2024-01-01T00:00:05Z');
    const fresh = rs('new', 3, { replicas: 3, ready: 3, available: 3 });
    const done = rolloutStatus([fresh], fresh, { ...start, status: mid }, T0 + 9000);
    const p2 = done.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(p2.reason, 'NewReplicaSetAvailable');
    assert.equal(p2.message, 'ReplicaSet "new" has successfully progressed.');
  });
  test('no progress past progressDeadlineSeconds → Progressing False ProgressDeadlineExceeded', () => {
    const stuckRS = rs('new', 1, { replicas: 1, ready: 0, available: 0 });
    const d = deploy(1, {
      observedGeneration: 2,
      replicas: 1,
      updatedReplicas: 1,
      unavailableReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    });
    assert.equal(deploymentTimedOut(d, d.status!, T0 + 600_000), false);
    assert.equal(stuckRequeueAfter(d, d.status!, T0 + 100_000), 501_000);
    const s = rolloutStatus([stuckRS], stuckRS, d, T0 + 601_000);
    const p = s.conditions!.find((c) => c.type === 'Progressing')!;
    assert.equal(p.status, 'False');
    assert.equal(p.reason, 'ProgressDeadlineExceeded');
    assert.equal(p.message, 'ReplicaSet "new" has timed out progressing.');
  });
  test('ReplicaFailure of the new RS is surfaced', () => {
    const bad: ReplicaSet = { ...rs('new', 1, { replicas: 0 }), status: { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: '2024-01-01T00:00:00Z' }] } };
    const s = rolloutStatus([bad], bad, deploy(1), T0);
    assert.equal(s.conditions!.find((c) => c.type === 'ReplicaFailure')?.reason, 'FailedCreate');
  });
});
