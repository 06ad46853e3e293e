import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { CHANGE_CAUSE, DESIRED_REPLICAS, LAST_APPLIED, MAX_REPLICAS, REVISION, REVISION_HISTORY, maxRevision, setNewReplicaSetAnnotations } from './annotations.js';

const d: Deployment = {
  metadata: { name: 'kuard', annotations: { [CHANGE_CAUSE]: 'Update to green kuard', [LAST_APPLIED]: '{}', [REVISION]: '4' } },
  spec: { replicas: 3, selector: {}, template: {} },
};

describe('replica set annotations', () => {
  test('a new RS gets the revision, desired/max replicas and the change-cause, not last-applied', () => {
    const rs: ReplicaSet = { metadata: { name: 'kuard-abc' } };
    assert.equal(setNewReplicaSetAnnotations(d, rs, 5, false), true);
    const a = rs.metadata!.annotations!;
    assert.equal(a[REVISION], '5');
    assert.equal(a[DESIRED_REPLICAS], '3');
    assert.equal(a[MAX_REPLICAS], '4'); // 3 + ceil(25% of 3)
    assert.equal(a[CHANGE_CAUSE], 'Update to green kuard');
    assert.equal(a[LAST_APPLIED], undefined);
    assert.equal(a[REVISION_HISTORY], undefined);
  });
  test('re-using an old RS (rollback) raises its revision and remembers the old one: 3 → 5', () => {
    const rs: ReplicaSet = { metadata: { name: 'kuard-old', annotations: { [REVISION]: '3', [CHANGE_CAUSE]: 'Update to green kuard' } } };
    assert.equal(setNewReplicaSetAnnotations(d, rs, 5, true), true);
    assert.equal(rs.metadata!.annotations![REVISION], '5');
    assert.equal(rs.metadata!.annotations![REVISION_HISTORY], '3');
    // existing RSs keep their replica annotations (they are managed by scaling)
    assert.equal(rs.metadata!.annotations![DESIRED_REPLICAS], undefined);
    // and a second rollback appends
    setNewReplicaSetAnnotations(d, rs, 7, true);
    assert.equal(rs.metadata!.annotations![REVISION_HISTORY], '3,5');
  });
  test('the revision is never lowered and nothing changes when already current', () => {
    const rs: ReplicaSet = { metadata: { name: 'x', annotations: { [REVISION]: '6', [CHANGE_CAUSE]: 'Update to green kuard' } } };
    assert.equal(setNewReplicaSetAnnotations(d, rs, 5, true), false);
    assert.equal(rs.metadata!.annotations![REVISION], '6');
  });
  test('maxRevision skips unparseable revisions', () => {
    const mk = (r: string): ReplicaSet => ({ metadata: { annotations: { [REVISION]: r } } });
    assert.equal(maxRevision([mk('2'), mk('x'), mk('10'), { metadata: {} }]), 10);
  });
});
