import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { scaledValue } from '../../api/intstr.js';
import {
  findActiveOrLatest,
  getProportion,
  isSaturated,
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalScale,
  resolveFenceposts,
} from './rollout-math.js';

function deploy(replicas: number, surge?: number | string, unavailable?: number | string, type = 'RollingUpdate'): Deployment {
  const d: Deployment = { metadata: { name: 'd', namespace: 'default' }, spec: { replicas, selector: { matchLabels: { app: 'x' } }, template: {}, strategy: { type } } };
  if (type === 'RollingUpdate' && (surge !== undefined || unavailable !== undefined)) d.spec!.strategy!.rollingUpdate = { maxSurge: surge, maxUnavailable: unavailable };
  return d;
}

function rs(name: string, replicas: number, opts: { available?: number; created?: string; annotations?: Record<string, string> } = {}): ReplicaSet {
  return {
    metadata: { name, uid: `uid-${name}`, creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z', annotations: opts.annotations },
    spec: { replicas, selector: {}, template: {} },
    status: { replicas, availableReplicas: opts.available ?? 0 },
  };
}

describe('intOrPercent / resolveFenceposts', () => {
  test('25% of 10: surge rounds up to 3, unavailable rounds down to 2', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
  });
  test('maxSurge 20% with maxUnavailable 0 on 10 replicas', () => {
    assert.deepEqual(resolveFenceposts('20%', 0, 10), { surge: 2, unavailable: 0 });
  });
  test('both zero makes unavailable 1 so a rollout can progress', () => {
    assert.deepEqual(resolveFenceposts(0, 0, 10), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('0%', '0%', 10), { surge: 0, unavailable: 1 });
  });
  test('30% on 10 and 25% on 3 replicas', () => {
    assert.deepEqual(resolveFenceposts('30%', '30%', 10), { surge: 3, unavailable: 3 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
  });
  test('ints pass through and strings of digits are ints', () => {
    assert.equal(scaledValue(4, 10, true), 4);
    assert.equal(scaledValue('4', 10, false), 4);
    assert.throws(() => scaledValue('x%', 10, true), /invalid value/);
  });
  test('deployment defaults (25%/25%) and Recreate has neither', () => {
    assert.equal(maxSurge(deploy(10)), 3);
    assert.equal(maxUnavailable(deploy(10)), 2);
    assert.equal(maxSurge(deploy(10, undefined, undefined, 'Recreate')), 0);
    assert.equal(maxUnavailable(deploy(10, undefined, undefined, 'Recreate')), 0);
  });
  test('maxUnavailable never exceeds replicas and is 0 for 0 replicas', () => {
    assert.equal(maxUnavailable(deploy(2, 0, 5)), 2);
    assert.equal(maxUnavailable(deploy(0, 1, 1)), 0);
  });
});

describe('newRSNewReplicas', () => {
  test('first step of a rollout creates maxSurge new pods', () => {
    const d = deploy(10, '25%', '25%');
    const old = rs('old', 10, { available: 10 });
    const fresh = rs('new', 0);
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
  });
  test('0 unavailable / 20% surge on 10 → 2 new pods first', () => {
    const d = deploy(10, '20%', 0);
    const fresh = rs('new', 0);
    assert.equal(newRSNewReplicas(d, [rs('old', 10, { available: 10 }), fresh], fresh), 2);
  });
  test('no room above replicas+surge keeps the current size', () => {
    const d = deploy(10, 2, 0);
    const fresh = rs('new', 2);
    assert.equal(newRSNewReplicas(d, [rs('old', 10), fresh], fresh), 2);
  });
  test('a brand-new deployment gets all replicas at once', () => {
    const fresh = rs('new', 0);
    assert.equal(newRSNewReplicas(deploy(3), [fresh], fresh), 3);
  });
  test('Recreate jumps to replicas', () => {
    const fresh = rs('new', 0);
    assert.equal(newRSNewReplicas(deploy(5, undefined, undefined, 'Recreate'), [rs('old', 5), fresh], fresh), 5);
  });
});

describe('rolling-update scale down budget', () => {
  test('10 replicas 25%: new RS at 3 unavailable → old may lose 2', () => {
    const d = deploy(10);
    const old = rs('old', 10, { available: 10 });
    const fresh = rs('new', 3, { available: 0 });
    assert.equal(maxScaledDown(d, [old, fresh], fresh), 13 - 8 - 3);
  });
});

describe('proportional scaling', () => {
  test('scaling 10 → 15 mid-rollout spreads the 6 extra pods by size', () => {
    const d = deploy(15, 3, 2);
    d.spec!.strategy!.rollingUpdate = { maxSurge: '25%', maxUnavailable: '25%' };
    const ann = { 'deployment.kubernetes.io/max-replicas': '13' };
    const old = rs('old', 8, { created: '2024-01-01T00:00:00Z', annotations: ann });
    const fresh = rs('new', 5, { created: '2024-01-02T00:00:00Z', annotations: ann });
    const { sizes, operation } = proportionalScale(d, fresh, [old]);
    assert.equal(operation, 'up');
    // allowed = 15 + ceil(3.75) = 19; old: round(8*19/13)=12, new: round(5*19/13)=7
    assert.equal(sizes.get('old'), 12);
    assert.equal(sizes.get('new'), 7);
  });
  test('scaling down takes from the larger, older sets first and never below 0', () => {
    const d = deploy(2, 0, 1);
    const ann = { 'deployment.kubernetes.io/max-replicas': '10' };
    const old = rs('old', 6, { created: '2024-01-01T00:00:00Z', annotations: ann });
    const fresh = rs('new', 4, { created: '2024-01-02T00:00:00Z', annotations: ann });
    const { sizes, operation } = proportionalScale(d, fresh, [old]);
    assert.equal(operation, 'down');
    assert.equal((sizes.get('old') ?? 0) + (sizes.get('new') ?? 0), 2);
    assert.ok((sizes.get('old') ?? -1) >= 0 && (sizes.get('new') ?? -1) >= 0);
  });
  test('getProportion is capped by what is left to add', () => {
    const d = deploy(15, '25%', '25%');
    const r = rs('a', 8, { annotations: { 'deployment.kubernetes.io/max-replicas': '13' } });
    assert.equal(getProportion(r, d, 6, 0), 4);
    assert.equal(getProportion(r, d, 6, 5), 1);
    assert.equal(getProportion(rs('zero', 0), d, 6, 0), 0);
  });
});

describe('saturation and active sets', () => {
  test('saturated needs replicas, desired annotation and availability all equal', () => {
    const d = deploy(3);
    const r = rs('n', 3, { available: 3, annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } });
    assert.equal(isSaturated(d, r), true);
    assert.equal(isSaturated(d, rs('n', 3, { available: 2, annotations: { 'deployment.kubernetes.io/desired-replicas': '3' } })), false);
    assert.equal(isSaturated(d, rs('n', 3, { available: 3 })), false);
    assert.equal(isSaturated(d, undefined), false);
  });
  test('findActiveOrLatest', () => {
    const a = rs('a', 0, { created: '2024-01-01T00:00:00Z' });
    const b = rs('b', 0, { created: '2024-01-02T00:00:00Z' });
    assert.equal(findActiveOrLatest(undefined, [a, b])?.metadata?.name, 'b');
    assert.equal(findActiveOrLatest(rs('n', 0), [a, b])?.metadata?.name, 'n');
    assert.equal(findActiveOrLatest(rs('n', 0), [a, rs('c', 2)])?.metadata?.name, 'c');
    assert.equal(findActiveOrLatest(rs('n', 1), [rs('c', 2)]), undefined);
  });
});
