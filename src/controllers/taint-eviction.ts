// The taint-eviction controller (upstream taint-eviction-controller, the former NoExecute taint
// manager): pods on a node with NoExecute taints are deleted — at once when some taint is not
// tolerated, otherwise after the smallest tolerationSeconds of the tolerations in use (counted
// from when the controller first saw the pod under those taints); tolerations without
// tolerationSeconds tolerate forever. Removing the taints before then cancels the eviction.
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isNotFound, type KubeObject } from '../client/api.js';
import { nodeNameIndexFunc, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { NODES } from './kinds.js';
import { toleratesTaint } from './node-eligibility.js';
import { POD_NODE_NAME_INDEX } from './nodelifecycle.js';
import { PODS } from './resource-types.js';
import { rfc3339 } from './timestamps.js';

export const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';

type NodeObj = Node & KubeObject;
type PodObj = Pod & KubeObject;

interface ScheduledEviction {
  createdAt: number;
  triggerAt: number;
}

const POD_PREFIX = 'pod/';
const NODE_PREFIX = 'node/';

function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** Upstream GetMatchingTolerations: whether every taint is tolerated, and the tolerations used. */
export function matchingTolerations(taints: Taint[], tolerations: Toleration[]): { allTolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

/** Smallest tolerationSeconds in ms; -1 when every toleration lasts forever. */
export function minTolerationMs(used: Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

export class TaintEvictionController implements Controller {
  readonly name = TAINT_EVICTION_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers = 1;
  private readonly nodes: SharedInformer<NodeObj>;
  private readonly pods: SharedInformer<PodObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;
  /** Pending evictions by "ns/name". */
  private readonly scheduled = new Map<string, ScheduledEviction>();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue<string>({ name: 'taint-eviction', clock: ctx.clock });
    this.events = ctx.events(TAINT_EVICTION_CONTROLLER);
    this.log = ctx.logger.child({ controller: TAINT_EVICTION_CONTROLLER });
    this.nodes = ctx.factory.informerFor(NODES);
    this.pods = ctx.factory.informerFor(PODS);
    this.pods.addIndexer(POD_NODE_NAME_INDEX, nodeNameIndexFunc);
    const podKey = (p: PodObj) => POD_PREFIX + `${p.metadata!.namespace}/${p.metadata!.name}`;
    this.pods.addEventHandler({
      onAdd: (p) => {
        if (p.spec?.nodeName) this.queue.add(podKey(p));
      },
      onUpdate: (o, p) => {
        if (o.spec?.nodeName !== p.spec?.nodeName || JSON.stringify(o.spec?.tolerations ?? []) !== JSON.stringify(p.spec?.tolerations ?? [])) this.queue.add(podKey(p));
      },
      onDelete: (p) => this.queue.add(podKey(p)),
    });
    const nodeKey = (n: NodeObj) => this.queue.add(NODE_PREFIX + n.metadata!.name!);
    this.nodes.addEventHandler({
      onAdd: (n) => {
        if (noExecuteTaints(n).length > 0) nodeKey(n);
      },
      onUpdate: (o, n) => {
        if (JSON.stringify(noExecuteTaints(o)) !== JSON.stringify(noExecuteTaints(n))) nodeKey(n);
      },
      onDelete: nodeKey,
    });
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    if (key.startsWith(NODE_PREFIX)) {
      // A node's NoExecute taints changed: look at each of its pods again.
      for (const p of this.pods.byIndex(POD_NODE_NAME_INDEX, key.slice(NODE_PREFIX.length))) {
        this.queue.add(POD_PREFIX + `${p.metadata!.namespace}/${p.metadata!.name}`);
      }
      return;
    }
    const podKey = key.slice(POD_PREFIX.length);
    const slash = podKey.indexOf('/');
    const ns = podKey.slice(0, slash);
    const name = podKey.slice(slash + 1);
    const pod = this.pods.get(ns, name);
    if (!pod) return this.cancel(podKey, ns, name);
    if (pod.metadata?.deletionTimestamp) {
      // Already on its way out; nothing to cancel or announce.
      this.scheduled.delete(podKey);
      return;
    }
    const taints = pod.spec?.nodeName ? noExecuteTaints(this.nodes.get(undefined, pod.spec.nodeName)) : [];
    if (taints.length === 0) return this.cancel(podKey, ns, name);
    const now = this.ctx.clock.now();
    const { allTolerated, used } = matchingTolerations(taints, pod.spec?.tolerations ?? []);
    if (!allTolerated) return this.evict(podKey, pod);
    const min = minTolerationMs(used);
    if (min < 0) return this.cancel(podKey, ns, name);
    const createdAt = this.scheduled.get(podKey)?.createdAt ?? now;
    const triggerAt = createdAt + min;
    this.scheduled.set(podKey, { createdAt, triggerAt });
    if (now >= triggerAt) return this.evict(podKey, pod);
    return { requeueAfterMs: triggerAt - now };
  }

  private cancel(podKey: string, namespace: string, name: string): void {
    if (!this.scheduled.delete(podKey)) return;
    const ref: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } };
    this.events.event(ref, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${podKey}`);
  }

  /** Mark the pod as a disruption target (so Jobs and PDB-aware tools can tell why) and delete it. */
  private async evict(podKey: string, pod: PodObj): Promise<void> {
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    this.events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podKey}`);
    this.log.info({ pod: podKey, node: pod.spec?.nodeName }, 'evicting pod from a NoExecute-tainted node');
    try {
      const has = pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True');
      if (!has) {
        const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(this.ctx.clock.now()) };
        await this.ctx.client.patch(PODS, ns, name, 'strategic', { metadata: { uid: pod.metadata!.uid }, status: { conditions: [condition] } }, { subresource: 'status' });
      }
      await this.ctx.client.delete(PODS, ns, name, { preconditions: { uid: pod.metadata!.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.scheduled.delete(podKey);
  }
}
