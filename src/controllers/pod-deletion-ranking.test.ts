import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { POD_DELETION_COST, podsToDelete, rankPodsForDeletion } from './pod-deletion-ranking.js';

interface P {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: string;
  cost?: string;
  restarts?: number;
  created?: string;
}

function pod(p: P): Pod {
  return {
    metadata: {
      name: p.name,
      uid: p.name,
      creationTimestamp: p.created ?? '2024-01-01T00:00:00Z',
      annotations: p.cost !== undefined ? { [POD_DELETION_COST]: p.cost } : undefined,
    },
    spec: { nodeName: p.node, containers: [] },
    status: {
      phase: p.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: p.ready === false ? 'False' : 'True', lastTransitionTime: p.readySince ?? '2024-01-01T00:00:00Z' }],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: p.restarts ?? 0 }],
    },
  };
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name);

describe('scale-down ranking', () => {
  test('unscheduled < pending < not ready < ready', () => {
    const pods = [
      pod({ name: 'ready', node: 'n1' }),
      pod({ name: 'notready', node: 'n1', ready: false }),
      pod({ name: 'pending', node: 'n1', phase: 'Pending', ready: false }),
      pod({ name: 'unscheduled', phase: 'Pending', ready: false }),
    ];
    assert.deepEqual(names(rankPodsForDeletion(pods, [])), ['unscheduled', 'pending', 'notready', 'ready']);
  });
  test('lower pod-deletion-cost goes first, before co-location and age', () => {
    const pods = [pod({ name: 'expensive', node: 'n1', cost: '100' }), pod({ name: 'cheap', node: 'n2', cost: '-5', created: '2020-01-01T00:00:00Z' }), pod({ name: 'default', node: 'n3' })];
    assert.deepEqual(names(rankPodsForDeletion(pods, pods)), ['cheap', 'default', 'expensive']);
  });
  test('pods doubled up on a node go first', () => {
    const a = pod({ name: 'alone', node: 'n1' });
    const b = pod({ name: 'crowded', node: 'n2' });
    const sibling = pod({ name: 'sibling', node: 'n2' });
    assert.deepEqual(names(rankPodsForDeletion([a, b], [a, b, sibling])), ['crowded', 'alone']);
  });
  test('more restarts first, then newer first', () => {
    const pods = [
      pod({ name: 'old', node: 'n1', created: '2024-01-01T00:00:00Z' }),
      pod({ name: 'restarty', node: 'n2', restarts: 3, created: '2024-01-01T00:00:00Z' }),
      pod({ name: 'new', node: 'n3', created: '2024-03-01T00:00:00Z' }),
    ];
    assert.deepEqual(names(rankPodsForDeletion(pods, [])), ['restarty', 'new', 'old']);
  });
  test('ready for a shorter time goes first (log scale relative to now)', () => {
    const now = Date.parse('2024-06-01T00:00:00Z');
    const pods = [pod({ name: 'longready', node: 'n1', readySince: '2024-01-01T00:00:00Z' }), pod({ name: 'justready', node: 'n2', readySince: '2024-05-31T23:59:00Z' })];
    assert.deepEqual(names(rankPodsForDeletion(pods, [], now)), ['justready', 'longready']);
  });
  test('podsToDelete picks the first diff, or all', () => {
    const pods = [pod({ name: 'a', node: 'n' }), pod({ name: 'b', ready: false, node: 'n' })];
    assert.deepEqual(names(podsToDelete(pods, [], 1)), ['b']);
    assert.equal(podsToDelete(pods, [], 5).length, 2);
  });
});
