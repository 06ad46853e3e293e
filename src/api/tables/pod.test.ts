import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { buildTable } from './table.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;

function pod(name: string, status: Pod['status'], spec: Partial<NonNullable<Pod['spec']>> = {}, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: ago(43 * HOUR), resourceVersion: '10', ...meta },
    spec: { containers: [{ name: 'app', image: 'kuard' }], ...spec },
    status,
  };
}

function running(name = 'app', extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, image: 'kuard', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: ago(HOUR) } }, ...extra };
}

/** READY, STATUS, RESTARTS cells of one pod. */
function summary(p: Pod): [unknown, unknown, unknown] {
  const t = buildTable('Pod', '', [p], { now, includeObject: 'None' });
  const c = t.rows[0].cells;
  return [c[1], c[2], c[3]];
}

test('pod columns match upstream, wide ones at priority 1', () => {
  const t = buildTable('Pod', '', [], { now, includeObject: 'None' });
  assert.deepEqual(
    t.columnDefinitions.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ],
  );
  assert.equal(t.columnDefinitions[0].format, 'name');
});

test('running pod: all cells including the wide ones', () => {
  const p = pod('kuard', { phase: 'Running', podIP: '172.17.0.8', podIPs: [{ ip: '172.17.0.8' }], containerStatuses: [running()] }, { nodeName: 'minikube' }, { creationTimestamp: ago(2 * MIN + 7000) });
  const t = buildTable('Pod', '', [p], { now, includeObject: 'None' });
  assert.deepEqual(t.rows[0].cells, ['kuard', '1/1', 'Running', '0', '2m7s', '172.17.0.8', 'minikube', '<none>', '<none>']);
  assert.equal(t.rows[0].object, undefined);
  assert.equal(t.rows[0].conditions, undefined);
});

test('pending pod without IP or node shows <none>', () => {
  const p = pod('new', { phase: 'Pending' });
  const t = buildTable('Pod', '', [p], { now, includeObject: 'None' });
  assert.deepEqual(t.rows[0].cells.slice(1), ['0/1', 'Pending', '0', '43h', '<none>', '<none>', '<none>', '<none>']);
});

test('restarts carry the age of the latest termination', () => {
  const p = pod('empty-mind', {
    phase: 'Running',
    containerStatuses: [running('app', { restartCount: 3, lastState: { terminated: { exitCode: 255, reason: 'Unknown', finishedAt: ago(18 * HOUR) } } })],
  });
  assert.deepEqual(summary(p), ['1/1', 'Running', '3 (18h ago)']);
  // Restart count without a recorded termination: just the number.
  const q = pod('x', { phase: 'Running', containerStatuses: [running('app', { restartCount: 2 })] });
  assert.deepEqual(summary(q), ['1/1', 'Running', '2']);
});

test('waiting reasons become STATUS', () => {
  for (const reason of ['ContainerCreating', 'CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'CreateContainerConfigError']) {
    const p = pod('w', { phase: 'Pending', containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } }] });
    assert.deepEqual(summary(p), ['0/1', reason, '0'], reason);
  }
});

test('crash-looping container counts restarts with the last finish time', () => {
  const p = pod('crash', {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 4,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(20_000) } },
      },
    ],
  });
  assert.deepEqual(summary(p), ['0/1', 'CrashLoopBackOff', '4 (20s ago)']);
});

test('terminated containers: reason, or Signal/ExitCode when no reason', () => {
  const term = (t: NonNullable<NonNullable<ContainerStatus['state']>['terminated']>, phase = 'Failed') =>
    pod('t', { phase, containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: t } }] });
  assert.deepEqual(summary(term({ exitCode: 0, reason: 'Completed' }, 'Succeeded')), ['0/1', 'Completed', '0']);
  assert.deepEqual(summary(term({ exitCode: 1, reason: 'Error' })), ['0/1', 'Error', '0']);
  assert.deepEqual(summary(term({ exitCode: 137, reason: 'OOMKilled' })), ['0/1', 'OOMKilled', '0']);
  assert.deepEqual(summary(term({ exitCode: 137, signal: 9 })), ['0/1', 'Signal:9', '0']);
  assert.deepEqual(summary(term({ exitCode: 1 })), ['0/1', 'ExitCode:1', '0']);
});

test('finished pods carry a Completed row condition', () => {
  const ok = pod('done', { phase: 'Succeeded', containerStatuses: [{ name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
  const t = buildTable('Pod', '', [ok], { now, includeObject: 'None' });
  assert.deepEqual(t.rows[0].conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
});

test('one completed container beside a running one reads Running or NotReady', () => {
  const base = {
    phase: 'Running',
    containerStatuses: [
      { name: 'a', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      running('b'),
    ],
  };
  const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
  // Containers are scanned last to first, so the first container's reason wins.
  assert.deepEqual(summary(pod('p', { ...base, conditions: [{ type: 'Ready', status: 'True' }] }, spec)), ['1/2', 'Running', '0']);
  assert.deepEqual(summary(pod('p', { ...base, conditions: [{ type: 'Ready', status: 'False' }] }, spec)), ['1/2', 'NotReady', '0']);
});

test('init containers: Init:N/M, Init:<reason>, Init:Error forms, PodInitializing', () => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
  const done = { name: 'i1', image: 'x', imageID: '', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  const runningInit = { name: 'i2', image: 'x', imageID: '', ready: false, restartCount: 0, state: { running: {} } };
  assert.deepEqual(summary(pod('p', { phase: 'Pending', initContainerStatuses: [done, runningInit] }, spec)), ['0/1', 'Init:1/2', '0']);
  const waiting = { ...runningInit, state: { waiting: { reason: 'PodInitializing' } } };
  assert.deepEqual(summary(pod('p', { phase: 'Pending', initContainerStatuses: [{ ...done, state: { waiting: { reason: 'PodInitializing' } } }, waiting] }, spec)), ['0/1', 'Init:0/2', '0']);
  const crash = {
    ...runningInit,
    restartCount: 2,
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(30_000) } },
  };
  assert.deepEqual(summary(pod('p', { phase: 'Pending', initContainerStatuses: [done, crash] }, spec)), ['0/1', 'Init:CrashLoopBackOff', '2 (30s ago)']);
  const failed = { ...runningInit, state: { terminated: { exitCode: 2 } } };
  assert.deepEqual(summary(pod('p', { phase: 'Failed', initContainerStatuses: [done, failed] }, spec)), ['0/1', 'Init:ExitCode:2', '0']);
  const failedReason = { ...runningInit, state: { terminated: { exitCode: 1, reason: 'Error' } } };
  assert.deepEqual(summary(pod('p', { phase: 'Failed', initContainerStatuses: [done, failedReason] }, spec)), ['0/1', 'Init:Error', '0']);
  // All init containers done; the app container is still being created.
  const appWaiting = { name: 'app', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } };
  assert.deepEqual(
    summary(pod('p', { phase: 'Pending', conditions: [{ type: 'Initialized', status: 'True' }], initContainerStatuses: [done, { ...done, name: 'i2' }], containerStatuses: [appWaiting] }, spec)),
    ['0/1', 'PodInitializing', '0'],
  );
});

test('sidecar init containers count toward READY and RESTARTS', () => {
  const spec = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] };
  const sidecar = {
    name: 'proxy',
    image: 'x',
    imageID: '',
    ready: true,
    started: true,
    restartCount: 1,
    state: { running: {} },
    lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * MIN) } },
  };
  const p = pod('p', { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }], initContainerStatuses: [sidecar], containerStatuses: [running()] }, spec);
  assert.deepEqual(summary(p), ['2/2', 'Running', '1 (5m ago)']);
});

test('deletion: Terminating, or Unknown for pods on a lost node', () => {
  const p = pod('bye', { phase: 'Running', containerStatuses: [running()] }, {}, { deletionTimestamp: ago(1000) });
  assert.deepEqual(summary(p), ['1/1', 'Terminating', '0']);
  const lost = pod('lost', { phase: 'Running', reason: 'NodeLost', containerStatuses: [running()] }, {}, { deletionTimestamp: ago(1000) });
  assert.equal(summary(lost)[1], 'Unknown');
  const finished = pod('fin', { phase: 'Succeeded' }, {}, { deletionTimestamp: ago(1000) });
  assert.equal(summary(finished)[1], 'Succeeded');
  assert.equal(summary(pod('nl', { phase: 'Running', reason: 'NodeLost' }))[1], 'NodeLost');
});

test('scheduling gates and evictions show their reason', () => {
  const gated = pod('g', { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] });
  assert.equal(summary(gated)[1], 'SchedulingGated');
  assert.equal(summary(pod('e', { phase: 'Failed', reason: 'Evicted' }))[1], 'Evicted');
});

test('readiness gates count true conditions', () => {
  const p = pod(
    'rg',
    { phase: 'Running', containerStatuses: [running()], conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }] },
    { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
  );
  const t = buildTable('Pod', '', [p], { now, includeObject: 'None' });
  assert.equal(t.rows[0].cells[8], '1/2');
});
