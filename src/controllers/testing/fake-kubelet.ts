// Simulates a node agent for controller tests: binds pending pods to a node and reports them
// Running and Ready (or Running but not ready, for pods a predicate rejects), and finishes the
// deletion of pods that have a deletionTimestamp.
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient, KubeObject } from '../../client/api.js';
import type { Clock } from '../../client/clock.js';
import { PODS } from '../resource-types.js';
import { rfc3339 } from '../timestamps.js';

export interface FakeKubeletOptions {
  nodeName?: string;
  /** Pods for which this returns false run but never become ready (e.g. a bad image). */
  readyIf?: (pod: Pod) => boolean;
}

/** Bring one pod to Running (+Ready unless ready=false). Returns the updated pod. */
export async function markPodRunning(client: ApiClient, clock: Clock, pod: Pod, ready = true, nodeName = 'node-1'): Promise<Pod> {
  let cur = pod;
  if (!cur.spec?.nodeName) {
    cur = await client.createSubresource<Pod & KubeObject>(PODS, pod.metadata?.namespace, pod.metadata!.name!, 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod.metadata!.name!, namespace: pod.metadata?.namespace },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    } as KubeObject);
  }
  const now = rfc3339(clock.now());
  const readyStatus = ready ? 'True' : 'False';
  const prevReady = cur.status?.conditions?.find((c) => c.type === 'Ready');
  const transition = prevReady && prevReady.status === readyStatus ? prevReady.lastTransitionTime : now;
  const status: Pod['status'] = {
    phase: 'Running',
    startTime: cur.status?.startTime ?? now,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: readyStatus, lastTransitionTime: transition },
      { type: 'Ready', status: readyStatus, lastTransitionTime: transition },
    ],
    containerStatuses: (cur.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: now } },
    })),
  };
  return client.updateStatus<Pod & KubeObject>(PODS, cur.metadata?.namespace, { ...cur, status } as Pod & KubeObject);
}

export class FakeKubelet {
  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly opts: FakeKubeletOptions = {},
  ) {}

  /**
   * One pass over every pod: start pods that are not running yet and finish terminating ones.
   * Returns how many pods it changed.
   */
  async syncOnce(): Promise<number> {
    const pods = (await this.client.list<Pod & KubeObject>(PODS)).items;
    let changed = 0;
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp) {
        if ((pod.metadata.finalizers ?? []).length === 0) {
          await this.client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
          changed++;
        }
        continue;
      }
      const ready = this.opts.readyIf ? this.opts.readyIf(pod) : true;
      const isRunning = pod.status?.phase === 'Running';
      const isReady = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (isRunning && isReady === ready) continue;
      await markPodRunning(this.client, this.clock, pod, ready, this.opts.nodeName ?? 'node-1');
      changed++;
    }
    return changed;
  }
}
