import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { buildPodStatus, podPhase } from './pod-status.js';

const running = (name: string, ready = true): ContainerStatus => ({ name, image: 'i', imageID: '', restartCount: 0, ready, state: { running: { startedAt: '2024-01-01T00:00:00Z' } } });
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, image: 'i', imageID: '', restartCount: 0, ready: false, state: { terminated: { exitCode } } });
const waiting = (name: string, reason: string, last?: number): ContainerStatus => ({
  name,
  image: 'i',
  imageID: '',
  restartCount: last === undefined ? 0 : 1,
  ready: false,
  state: { waiting: { reason } },
  lastState: last === undefined ? {} : { terminated: { exitCode: last } },
});

function pod(restartPolicy: string, init: { name: string; restartPolicy?: string }[] = []): Pod {
  return { metadata: { name: 'p', uid: 'u' }, spec: { restartPolicy, initContainers: init.map((c) => ({ image: 'i', ...c })), containers: [{ name: 'a', image: 'i' }] } };
}

test('phase follows kubelet getPhase', () => {
  assert.equal(podPhase(pod('Always'), [], [waiting('a', 'ContainerCreating')]), 'Pending');
  assert.equal(podPhase(pod('Always'), [], [running('a')]), 'Running');
  assert.equal(podPhase(pod('Always'), [], [waiting('a', 'CrashLoopBackOff', 1)]), 'Running');
  assert.equal(podPhase(pod('Never'), [], [exited('a', 0)]), 'Succeeded');
  assert.equal(podPhase(pod('Never'), [], [exited('a', 2)]), 'Failed');
  assert.equal(podPhase(pod('OnFailure'), [], [exited('a', 2)]), 'Running');
  assert.equal(podPhase(pod('OnFailure'), [], [exited('a', 0)]), 'Succeeded');
  // init containers
  assert.equal(podPhase(pod('Always', [{ name: 'i' }]), [running('i')], [waiting('a', 'PodInitializing')]), 'Pending');
  assert.equal(podPhase(pod('Never', [{ name: 'i' }]), [exited('i', 1)], [waiting('a', 'PodInitializing')]), 'Failed');
  assert.equal(podPhase(pod('Always', [{ name: 'i' }]), [exited('i', 0)], [running('a')]), 'Running');
});

test('conditions: Initialized lists incomplete init containers, Ready follows container readiness', () => {
  const base = { sandboxReady: true, podIP: '10.42.0.2', hostIP: '10.42.0.1', startTime: 0, now: 1000 };
  const st = buildPodStatus({ ...base, pod: pod('Always', [{ name: 'setup' }]), init: [running('setup')], app: [waiting('a', 'PodInitializing')] });
  const cond = (t: string) => st.conditions!.find((c) => c.type === t)!;
  assert.equal(cond('Initialized').status, 'False');
  assert.equal(cond('Initialized').message, 'containers with incomplete status: [setup]');
  assert.equal(cond('Ready').reason, 'ContainersNotReady');
  assert.equal(cond('Ready').message, 'containers with unready status: [a]');
  assert.equal(st.phase, 'Pending');
  assert.equal(st.qosClass, 'BestEffort');
  assert.deepEqual(st.podIPs, [{ ip: '10.42.0.2' }]);

  const ok = buildPodStatus({ ...base, pod: { ...pod('Always'), status: st }, init: [], app: [running('a')] });
  assert.equal(ok.conditions!.find((c) => c.type === 'Ready')!.status, 'True');
  const done = buildPodStatus({ ...base, pod: pod('Never'), init: [], app: [exited('a', 0)] });
  assert.equal(done.conditions!.find((c) => c.type === 'Ready')!.reason, 'PodCompleted');
});

test('a sidecar counts as initialized once started and its readiness counts for Ready', () => {
  const base = { sandboxReady: true, hostIP: '10.42.0.1', startTime: 0, now: 1000 };
  const p = pod('Always', [{ name: 'proxy', restartPolicy: 'Always' }]);
  const sidecar = { ...running('proxy', false), started: true };
  const st = buildPodStatus({ ...base, pod: p, init: [sidecar], app: [running('a')] });
  assert.equal(st.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
  assert.equal(st.conditions!.find((c) => c.type === 'Ready')!.message, 'containers with unready status: [proxy]');
  assert.equal(st.phase, 'Running');
});
