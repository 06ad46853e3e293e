// The pod garbage collector (upstream pod-garbage-collector), a periodic pass that force-deletes
// (gracePeriodSeconds=0, after marking the pod Failed) pods nobody else will finish:
// - orphans: pods bound to a node that no longer exists — after a quarantine, and only once a
//   live GET confirms the node is gone (the informer may simply lag behind);
// - terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service;
// - terminating pods that were never scheduled;
// - terminated (Succeeded/Failed) pods beyond a threshold, evicted ones and then the oldest first.
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isNotFound, type KubeObject } from '../client/api.js';
import type { SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import { NODES } from './kinds.js';
import { PODS } from './resource-types.js';
import { parseTime, rfc3339 } from './timestamps.js';

export const POD_GC_CONTROLLER = 'pod-garbage-collector';
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export interface PodGCOptions {
  /** Terminated pods kept before the oldest are deleted; 0 disables. Default 12,500 (upstream). */
  terminatedPodThreshold?: number;
  /** Period of the GC pass. Default 20 s. */
  gcCheckPeriodMs?: number;
  /** How long a pod's node must be missing from the cache before a live GET checks it. Default 40 s. */
  quarantineMs?: number;
}

type PodObj = Pod & KubeObject;
type NodeObj = Node & KubeObject;

const GC_KEY = 'gc';

function isTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

function isEvicted(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted';
}

/** Evicted pods first, then oldest, then by name (upstream byEvictionAndCreationTimestamp). */
export function gcOrder(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export class PodGCController implements Controller {
  readonly name = POD_GC_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers = 1;
  private readonly pods: SharedInformer<PodObj>;
  private readonly nodes: SharedInformer<NodeObj>;
  private readonly log: pino.Logger;
  private readonly threshold: number;
  private readonly periodMs: number;
  private readonly quarantineMs: number;
  /** Node names missing from the cache, with when that was first noticed. */
  private readonly missingSince = new Map<string, number>();

  constructor(
    private readonly ctx: ControllerContext,
    opts: PodGCOptions = {},
  ) {
    this.threshold = opts.terminatedPodThreshold ?? 12_500;
    this.periodMs = opts.gcCheckPeriodMs ?? 20_000;
    this.quarantineMs = opts.quarantineMs ?? 40_000;
    this.queue = new WorkQueue<string>({ name: 'podgc', clock: ctx.clock });
    this.log = ctx.logger.child({ controller: POD_GC_CONTROLLER });
    this.pods = ctx.factory.informerFor(PODS);
    this.nodes = ctx.factory.informerFor(NODES);
    this.queue.add(GC_KEY);
  }

  async reconcile(): Promise<{ requeueAfterMs: number }> {
    const pods = this.pods.list();
    const failures: string[] = [];
    const run = async (pod: PodObj, why: string, condition?: PodCondition) => {
      try {
        await this.markFailedAndDelete(pod, condition);
        this.log.info({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, reason: why }, 'force-deleted pod');
      } catch (e) {
        failures.push(`${pod.metadata?.namespace}/${pod.metadata?.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    if (this.threshold > 0) {
      const terminated = pods.filter(isTerminated);
      const excess = terminated.length - this.threshold;
      if (excess > 0) for (const pod of terminated.sort(gcOrder).slice(0, excess)) await run(pod, 'terminated pods over threshold');
    }
    for (const pod of pods) {
      if (!pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) continue;
      const node = this.nodes.get(undefined, pod.spec.nodeName);
      const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      if (node && !ready && (node.spec?.taints ?? []).some((t) => t.key === TAINT_OUT_OF_SERVICE)) await run(pod, 'terminating on an out-of-service node');
    }
    for (const nodeName of await this.deletedNodes(pods)) {
      for (const pod of pods) {
        if (pod.spec?.nodeName !== nodeName) continue;
        await run(pod, 'orphaned: node no longer exists', { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
      }
    }
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) await run(pod, 'terminating and never scheduled');
    }
    if (failures.length) this.log.warn({ failures }, 'some pods could not be garbage-collected; retrying next pass');
    return { requeueAfterMs: this.periodMs };
  }

  /** Nodes pods are bound to that stayed missing through the quarantine and a live GET says are gone. */
  private async deletedNodes(pods: PodObj[]): Promise<string[]> {
    const now = this.ctx.clock.now();
    const missing = new Set<string>();
    for (const p of pods) {
      const n = p.spec?.nodeName;
      if (n && !this.nodes.get(undefined, n)) missing.add(n);
    }
    for (const n of [...this.missingSince.keys()]) if (!missing.has(n)) this.missingSince.delete(n);
    const gone: string[] = [];
    for (const n of missing) {
      const since = this.missingSince.get(n);
      if (since === undefined) {
        this.missingSince.set(n, now);
        continue;
      }
      if (now < since + this.quarantineMs) continue;
      this.missingSince.delete(n);
      try {
        await this.ctx.client.get(NODES, undefined, n);
      } catch (e) {
        if (isNotFound(e)) gone.push(n);
        else this.log.warn({ node: n, err: e instanceof Error ? e.message : String(e) }, 'checking node failed');
      }
    }
    return gone;
  }

  /** A pod left Running forever by a missing kubelet must at least end Failed; then it goes. */
  private async markFailedAndDelete(pod: PodObj, condition?: PodCondition): Promise<void> {
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    try {
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition) status.conditions = [{ ...condition, lastTransitionTime: rfc3339(this.ctx.clock.now()) }];
        await this.ctx.client.patch(PODS, ns, name, 'strategic', { metadata: { uid: pod.metadata!.uid }, status }, { subresource: 'status' });
      }
      await this.ctx.client.delete(PODS, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
