// The Deployment controller (upstream deployment-controller): watches Deployments, their
// ReplicaSets and pods, claims the ReplicaSets matching each deployment's selector (adopting
// orphans, releasing non-matching ones) and runs syncDeployment for each queued key.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../client/api.js';
import { keyOf, splitKey, type SharedInformer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import { CONTROLLER_UID_INDEX, claimObjects, controllerRefOf, controllerUidIndexFunc, ownedAndOrphans, recheckOwner } from '../controller-ref.js';
import { isEmptySelector, labelSelectorMatcher } from '../label-selector.js';
import { DEPLOYMENTS, PODS, REPLICA_SETS } from '../resource-types.js';
import { strategyType } from './rollout-math.js';
import { syncDeployment } from './sync.js';

export const DEPLOYMENT_CONTROLLER = 'deployment-controller';

type DeploymentObj = Deployment & KubeObject;
type ReplicaSetObj = ReplicaSet & KubeObject;
type PodObj = Pod & KubeObject;

export class DeploymentController implements Controller {
  readonly name = DEPLOYMENT_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly dInformer: SharedInformer<DeploymentObj>;
  private readonly rsInformer: SharedInformer<ReplicaSetObj>;
  private readonly podInformer: SharedInformer<PodObj>;
  private readonly events: EventSink;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'deployment', clock: ctx.clock });
    this.workers = opts.workers ?? 5;
    this.events = ctx.events(DEPLOYMENT_CONTROLLER);
    this.dInformer = ctx.factory.informerFor(DEPLOYMENTS);
    this.rsInformer = ctx.factory.informerFor(REPLICA_SETS);
    this.podInformer = ctx.factory.informerFor(PODS);
    this.rsInformer.addIndexer(CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    this.podInformer.addIndexer(CONTROLLER_UID_INDEX, controllerUidIndexFunc);

    this.dInformer.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_o, d) => this.queue.add(keyOf(d)),
      onDelete: (d) => this.queue.add(keyOf(d)),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.replicaSetAdded(rs),
      onUpdate: (old, cur) => this.replicaSetUpdated(old, cur),
      onDelete: (rs) => this.enqueueOwner(rs),
    });
    this.podInformer.addEventHandler({ onDelete: (pod) => this.podDeleted(pod) });
  }

  // ---- event handlers ----

  private ownerOf(obj: KubeObject, ref = controllerRefOf(obj)): DeploymentObj | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.dInformer.get(obj.metadata?.namespace, ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: KubeObject): void {
    const d = this.ownerOf(rs);
    if (d) this.queue.add(keyOf(d));
  }

  /** Deployments whose selector matches an orphan ReplicaSet's labels. */
  private enqueueSelecting(rs: ReplicaSetObj): void {
    for (const d of this.dInformer.byIndex('namespace', rs.metadata?.namespace ?? '')) {
      try {
        if (!isEmptySelector(d.spec?.selector) && labelSelectorMatcher(d.spec?.selector).matches(rs.metadata?.labels)) this.queue.add(keyOf(d));
      } catch {
        // an invalid selector matches nothing
      }
    }
  }

  private replicaSetAdded(rs: ReplicaSetObj): void {
    if (controllerRefOf(rs)) this.enqueueOwner(rs);
    else this.enqueueSelecting(rs);
  }

  private replicaSetUpdated(old: ReplicaSetObj, cur: ReplicaSetObj): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    if (oldRef && oldRef.uid !== curRef?.uid) this.enqueueOwner(old);
    if (curRef) {
      this.enqueueOwner(cur);
      return;
    }
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelsChanged || oldRef) this.enqueueSelecting(cur);
  }

  /** Recreate waits for old pods to disappear, so their deletion matters. */
  private podDeleted(pod: PodObj): void {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.get(pod.metadata?.namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.ownerOf(rs);
    if (d && strategyType(d) === 'Recreate') this.queue.add(keyOf(d));
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const d = this.dInformer.get(namespace, name);
    if (!d) return;
    if (isEmptySelector(d.spec?.selector) || !d.spec?.selector) {
      this.events.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      const gen = d.metadata?.generation ?? 0;
      if ((d.status?.observedGeneration ?? 0) < gen) {
        await this.ctx.client.updateStatus(DEPLOYMENTS, namespace, { ...d, status: { ...(d.status ?? {}), observedGeneration: gen } } as DeploymentObj);
      }
      return;
    }
    const rsList = await this.replicaSetsFor(d);
    const podMap = this.podMapFor(d, rsList);
    const result = await syncDeployment({ client: this.ctx.client, events: this.events, clock: this.ctx.clock }, d, rsList, podMap);
    return result;
  }

  private async replicaSetsFor(d: DeploymentObj): Promise<ReplicaSet[]> {
    const candidates = ownedAndOrphans(this.rsInformer, d.metadata?.namespace, d.metadata?.uid);
    return claimObjects({
      client: this.ctx.client,
      rt: REPLICA_SETS,
      owner: d,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'Deployment',
      selector: labelSelectorMatcher(d.spec?.selector),
      objects: candidates,
      canAdopt: recheckOwner(this.ctx.client, DEPLOYMENTS, d),
    });
  }

  /** Pods matching the deployment's selector, grouped by the uid of the ReplicaSet controlling them. */
  private podMapFor(d: DeploymentObj, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) map.set(rs.metadata!.uid!, []);
    const selector = labelSelectorMatcher(d.spec?.selector);
    for (const [uid, pods] of map) {
      for (const pod of this.podInformer.byIndex(CONTROLLER_UID_INDEX, uid)) if (selector.matches(pod.metadata?.labels)) pods.push(pod);
    }
    return map;
  }
}
