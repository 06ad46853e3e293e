// Pod status as kubelet computes it: phase from the container states, the conditions
// (PodReadyToStartContainers, Initialized, ContainersReady, Ready, PodScheduled) and the
// container status entries. Pure functions, so the rules are testable without a runtime.
import type { ContainerState, ContainerStatus as K8sContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { podQOSClass } from '../api/qos.js';
import type { ContainerStatus as RuntimeContainerStatus } from './runtime/runtime.js';

/** metav1.Time: RFC 3339 in whole seconds. */
export function wireTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A terminated state from a runtime container status. */
export function terminatedState(st: RuntimeContainerStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: st.exitCode ?? 0,
      reason: st.reason ?? (st.exitCode === 0 ? 'Completed' : 'Error'),
      ...(st.message ? { message: st.message } : {}),
      startedAt: st.startedAt ? wireTime(st.startedAt) : undefined,
      finishedAt: st.finishedAt ? wireTime(st.finishedAt) : undefined,
      containerID: `${runtimeName}://${st.id}`,
    },
  };
}

export function isSidecar(c: { restartPolicy?: string }): boolean {
  return c.restartPolicy === 'Always';
}

/** Phase from init and app container statuses (kubelet getPhase). */
export function podPhase(pod: Pod, init: K8sContainerStatus[], app: K8sContainerStatus[]): PodStatus['phase'] {
  const spec = pod.spec!;
  const restartPolicy = spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    const st = init.find((s) => s.name === c.name);
    if (isSidecar(c)) {
      if (!st?.started) pendingInit++;
      continue;
    }
    if (!st) {
      pendingInit++;
      continue;
    }
    if (st.state?.running) pendingInit++;
    else if (st.state?.terminated) {
      if (st.state.terminated.exitCode !== 0) failedInit++;
    } else if (st.state?.waiting) {
      if (st.lastState?.terminated) {
        if (st.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.containers ?? []) {
    const st = app.find((s) => s.name === c.name);
    if (!st) {
      unknown++;
      continue;
    }
    if (st.state?.running) running++;
    else if (st.state?.terminated) {
      stopped++;
      if (st.state.terminated.exitCode === 0) succeeded++;
    } else if (st.state?.waiting) {
      if (st.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  const anyAppStarted = app.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if ((pendingInit > 0 || failedInit > 0) && !anyAppStarted) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(old: PodCondition[] | undefined, type: string, ok: boolean, now: number, reason?: string, message?: string): PodCondition {
  const prev = old?.find((c) => c.type === type);
  const status = ok ? 'True' : 'False';
  return {
    type,
    status,
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : wireTime(now),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

export interface PodStatusInput {
  pod: Pod;
  init: K8sContainerStatus[];
  app: K8sContainerStatus[];
  sandboxReady: boolean;
  podIP?: string;
  hostIP: string;
  startTime: number;
  now: number;
  /** The pod is being torn down: nothing will restart. */
  terminating?: boolean;
}

export function buildPodStatus(inp: PodStatusInput): PodStatus {
  const { pod, init, app, now } = inp;
  const old = pod.status?.conditions;
  const phase = podPhase(pod, init, app);
  const spec = pod.spec!;

  const incompleteInit = (spec.initContainers ?? [])
    .filter((c) => {
      const st = init.find((s) => s.name === c.name);
      if (isSidecar(c)) return !st?.started;
      return !(st?.state?.terminated?.exitCode === 0);
    })
    .map((c) => c.name);
  const initialized = incompleteInit.length === 0 || app.some((s) => s.state?.running || s.lastState?.terminated);

  const notReady = [
    ...(spec.initContainers ?? []).filter((c) => isSidecar(c) && !init.find((s) => s.name === c.name)?.ready).map((c) => c.name),
    ...(spec.containers ?? []).filter((c) => !app.find((s) => s.name === c.name)?.ready).map((c) => c.name),
  ];
  const completed = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = notReady.length === 0 && !completed;
  const gates = (spec.readinessGates ?? []).map((g) => g.conditionType);
  const gateFailures = gates.filter((g) => old?.find((c) => c.type === g)?.status !== 'True');
  const ready = containersReady && gateFailures.length === 0;

  const notReadyMsg = (kind: string) => `containers with ${kind} status: [${notReady.join(' ')}]`;
  const conditions: PodCondition[] = [
    condition(old, 'PodReadyToStartContainers', inp.sandboxReady, now),
    completed
      ? condition(old, 'Initialized', true, now, 'PodCompleted')
      : condition(old, 'Initialized', initialized, now, initialized ? undefined : 'ContainersNotInitialized', initialized ? undefined : `containers with incomplete status: [${incompleteInit.join(' ')}]`),
    completed
      ? condition(old, 'Ready', false, now, 'PodCompleted')
      : ready
        ? condition(old, 'Ready', true, now)
        : !containersReady
          ? condition(old, 'Ready', false, now, 'ContainersNotReady', notReadyMsg('unready'))
          : condition(old, 'Ready', false, now, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${gateFailures[0]}" does not exist.`),
    completed
      ? condition(old, 'ContainersReady', false, now, 'PodCompleted')
      : condition(old, 'ContainersReady', containersReady, now, containersReady ? undefined : 'ContainersNotReady', containersReady ? undefined : notReadyMsg('unready')),
  ];
  const scheduled = old?.find((c) => c.type === 'PodScheduled');
  conditions.push(scheduled ?? condition(old, 'PodScheduled', true, now));
  // Keep conditions owned by others (readiness gates, DisruptionTarget …).
  for (const c of old ?? []) if (!conditions.some((x) => x.type === c.type)) conditions.push(c);

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: inp.hostIP,
    hostIPs: [{ ip: inp.hostIP }],
    startTime: wireTime(inp.startTime),
    containerStatuses: app,
    qosClass: podQOSClass(pod),
  };
  if (inp.podIP) {
    status.podIP = inp.podIP;
    status.podIPs = [{ ip: inp.podIP }];
  }
  if (init.length) status.initContainerStatuses = init;
  return status;
}

/** Status equality ignoring key order (to skip no-op writes). */
export function sameStatus(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).filter(([, x]) => x !== undefined && x !== null).sort(([x], [y]) => (x < y ? -1 : 1))) : val,
  );
}
