import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Status } from './framework.js';
import { fitErrorMessage, reasonHistogram, truncateMessage } from './messages.js';

describe('FailedScheduling messages', () => {
  test('formats the upstream example exactly', () => {
    const nodeToStatus = new Map([
      ['n1', Status.unresolvable('Insufficient cpu')],
      ['n2', Status.unresolvable("node(s) didn't match Pod's node affinity/selector")],
      ['n3', Status.unresolvable("node(s) didn't match Pod's node affinity/selector")],
    ]);
    const pre = fitErrorMessage(3, {
      nodeToStatus: new Map([...nodeToStatus.keys()].map((k) => [k, Status.unresolvable('Preemption is not helpful for scheduling')])),
      unschedulablePlugins: new Set(),
    });
    const msg = fitErrorMessage(3, { nodeToStatus, unschedulablePlugins: new Set(), postFilterMsg: 'preemption: ' + pre });
    assert.equal(
      msg,
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  test('multiple reasons per node are all counted, sorted as strings', () => {
    const h = reasonHistogram(
      new Map([
        ['a', Status.unschedulable('Insufficient memory', 'Insufficient cpu')],
        ['b', Status.unschedulable('Too many pods')],
        ['c', Status.unschedulable('Insufficient cpu')],
      ]),
    );
    assert.deepEqual(h, ['1 Insufficient memory', '1 Too many pods', '2 Insufficient cpu']);
  });

  test('prefilter rejection replaces the histogram', () => {
    const st = Status.unresolvable('pod has unbound immediate PersistentVolumeClaims');
    const msg = fitErrorMessage(2, { nodeToStatus: new Map([['a', st], ['b', st]]), unschedulablePlugins: new Set(), preFilterMsg: st.message() });
    assert.equal(msg, '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.');
  });

  test('truncates long messages', () => {
    const t = truncateMessage('x'.repeat(2000));
    assert.equal(t.length, 1024);
    assert.ok(t.endsWith(' ...'));
  });
});
