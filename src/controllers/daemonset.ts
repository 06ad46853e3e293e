// The DaemonSet controller (upstream daemonset-controller): one pod per eligible node. Pods are
// placed through the default scheduler by a required node affinity on metadata.name, carry the
// default DaemonSet tolerations, the controller-revision-hash and pod-template-generation
// labels; template changes roll out by RollingUpdate (maxUnavailable / maxSurge) or wait for
// manual deletion (OnDelete); each template is kept as a ControllerRevision.
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { scaledValue } from '../api/intstr.js';
import { isNotFound, type KubeObject } from '../client/api.js';
import { clone, keyOf, ownerUidIndexFunc, splitKey, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { CONTROLLER_UID_INDEX, claimObjects, controllerRefOf, controllerUidIndexFunc, newControllerRef, ownedAndOrphans, recheckOwner } from './controller-ref.js';
import { CONTROLLER_REVISION_HASH_LABEL, ensureRevision, truncateHistory, type RevisionObj } from './controllerrevision.js';
import { ControllerExpectations } from './expectations.js';
import { CONTROLLER_REVISIONS, DAEMON_SETS, NODES } from './kinds.js';
import { isEmptySelector, labelSelectorMatcher, matchNothing } from './label-selector.js';
import { nodeEligibility } from './node-eligibility.js';
import { isPodAvailable, isPodReady } from './pod-readiness.js';
import { PODS } from './resource-types.js';

export const DAEMONSET_CONTROLLER = 'daemonset-controller';
export const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
const OWNER_UID_INDEX = 'ownerUid';

type DsObj = DaemonSet & KubeObject;
type PodObj = Pod & KubeObject;
type NodeObj = Node & KubeObject;

/** Tolerations every DaemonSet pod gets (upstream AddOrUpdateDaemonPodTolerations). */
export const DAEMONSET_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function withDaemonTolerations(tols: Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const out = [...(tols ?? [])];
  const extra = hostNetwork ? [...DAEMONSET_TOLERATIONS, { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' }] : DAEMONSET_TOLERATIONS;
  for (const t of extra) if (!out.some((x) => x.key === t.key && x.effect === t.effect)) out.push(t);
  return out;
}

/** The template's pod spec with the DaemonSet tolerations, as eligibility is judged on it. */
function daemonPodSpec(ds: DaemonSet): Pod['spec'] {
  const spec = ds.spec?.template?.spec;
  return { ...(spec ?? { containers: [] }), tolerations: withDaemonTolerations(spec?.tolerations, !!spec?.hostNetwork) };
}

/** The pod for one node: template + labels + ownerRef + node affinity pinning it to the node. */
export function daemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const t = ds.spec?.template ?? {};
  const spec = clone(t.spec ?? { containers: [] });
  spec.tolerations = withDaemonTolerations(spec.tolerations, !!spec.hostNetwork);
  spec.affinity = {
    ...(spec.affinity ?? {}),
    nodeAffinity: {
      ...(spec.affinity?.nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }] },
    },
  };
  const labels: Record<string, string> = { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash };
  if (ds.metadata?.generation !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(ds.metadata.generation);
  const meta: Pod['metadata'] = { generateName: `${ds.metadata!.name}-`, namespace: ds.metadata?.namespace, labels, ownerReferences: [newControllerRef(ds as KubeObject, 'apps/v1', 'DaemonSet')] };
  if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec };
}

/** The node a DaemonSet pod is for: spec.nodeName once bound, else its metadata.name affinity. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

export class DaemonSetController implements Controller {
  readonly name = DAEMONSET_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  readonly expectations: ControllerExpectations;
  private readonly dss: SharedInformer<DsObj>;
  private readonly pods: SharedInformer<PodObj>;
  private readonly nodes: SharedInformer<NodeObj>;
  private readonly revisions: SharedInformer<RevisionObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'daemonset', clock: ctx.clock });
    this.workers = opts.workers ?? 2;
    this.expectations = new ControllerExpectations(ctx.clock);
    this.events = ctx.events(DAEMONSET_CONTROLLER);
    this.log = ctx.logger.child({ component: DAEMONSET_CONTROLLER });
    this.dss = ctx.factory.informerFor(DAEMON_SETS);
    this.pods = ctx.factory.informerFor(PODS);
    this.nodes = ctx.factory.informerFor(NODES);
    this.revisions = ctx.factory.informerFor(CONTROLLER_REVISIONS);
    this.revisions.addIndexer(OWNER_UID_INDEX, ownerUidIndexFunc);
    this.pods.addIndexer(CONTROLLER_UID_INDEX, controllerUidIndexFunc);
    this.dss.addEventHandler({ onAdd: (d) => this.queue.add(keyOf(d)), onUpdate: (_o, d) => this.queue.add(keyOf(d)), onDelete: (d) => this.expectations.delete(keyOf(d)) });
    const podEvent = (p: PodObj, what: 'add' | 'update' | 'delete') => {
      const ref = controllerRefOf(p);
      if (ref?.kind !== 'DaemonSet') {
        if (!ref && what !== 'delete') for (const d of this.dss.byIndex('namespace', p.metadata?.namespace ?? '')) this.queue.add(keyOf(d));
        return;
      }
      const key = `${p.metadata?.namespace}/${ref.name}`;
      if (what === 'add') this.expectations.creationObserved(key);
      if (what === 'delete' || p.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, keyOf(p));
      this.queue.add(key);
    };
    this.pods.addEventHandler({ onAdd: (p) => podEvent(p, 'add'), onUpdate: (_o, p) => podEvent(p, 'update'), onDelete: (p) => podEvent(p, 'delete') });
    const allDs = () => {
      for (const d of this.dss.list()) this.queue.add(keyOf(d));
    };
    this.nodes.addEventHandler({ onAdd: allDs, onUpdate: (o, n) => o.metadata?.resourceVersion !== n.metadata?.resourceVersion && allDs(), onDelete: allDs });
  }

  async reconcile(key: string): Promise<void | { requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const ds = this.dss.get(namespace, name);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const selector = isEmptySelector(ds.spec?.selector) ? matchNothing : labelSelectorMatcher(ds.spec?.selector);
    const pods = await claimObjects({
      client: this.ctx.client,
      rt: PODS,
      owner: ds,
      ownerApiVersion: 'apps/v1',
      ownerKind: 'DaemonSet',
      selector,
      objects: ownedAndOrphans(this.pods, namespace, ds.metadata?.uid),
      canAdopt: recheckOwner(this.ctx.client, DAEMON_SETS, ds),
    });
    if (ds.metadata?.deletionTimestamp) return;
    const owned = this.revisions.byIndex(OWNER_UID_INDEX, ds.metadata!.uid!).filter((r) => controllerRefOf(r)?.uid === ds.metadata?.uid);
    const revs = await ensureRevision(this.ctx.client, ds, 'DaemonSet', owned, ds.status?.collisionCount ?? 0);
    const hash = revs.hash;

    const byNode = new Map<string, PodObj[]>();
    for (const p of pods) {
      const n = targetNodeOf(p);
      if (!n) continue;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const nodes = this.nodes.list();
    const nowMs = this.ctx.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const create: string[] = [];
    const remove: PodObj[] = [];
    let manageError: unknown;
    if (this.expectations.satisfied(key)) {
      for (const node of nodes) {
        const nodeName = node.metadata!.name!;
        const el = nodeEligibility(daemonPodSpec(ds), node);
        const live = (byNode.get(nodeName) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
        if (!el.shouldContinueRunning) {
          remove.push(...live);
          continue;
        }
        const failed = live.filter((p) => p.status?.phase === 'Failed');
        remove.push(...failed);
        const running = live.filter((p) => p.status?.phase !== 'Failed');
        if (running.length === 0) {
          if (el.shouldRun) create.push(nodeName);
          continue;
        }
        if (running.length > 1) {
          // Keep one (the updated, then the oldest); delete the rest (upstream keeps the oldest).
          const sorted = [...running].sort((a, b) => Number(b.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) - Number(a.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) || (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
          if ((ds.spec?.updateStrategy?.rollingUpdate?.maxSurge ?? 0) === 0 || sorted.length > 2) remove.push(...sorted.slice(1));
        }
      }
      if (ds.spec?.updateStrategy?.type !== 'OnDelete') this.rollingUpdate(ds, nodes, byNode, hash, nowMs, create, remove);
      try {
        await this.syncNodes(key, ds, create, remove, hash);
      } catch (e) {
        manageError = e;
      }
    }

    await truncateHistory(this.ctx.client, revs.all, new Set([hash, ...pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')]), ds.spec?.revisionHistoryLimit ?? 10);
    const status = this.computeStatus(ds, nodes, byNode, hash, minReady, nowMs, revs.collisionCount);
    await this.writeStatus(ds, status);
    if (manageError !== undefined) throw manageError;
    if (minReady > 0 && (status.numberAvailable ?? 0) < (status.numberReady ?? 0)) return { requeueAfterMs: minReady * 1000 };
  }

  /** Replace pods of old revisions within maxUnavailable (or surge first when maxSurge > 0). */
  private rollingUpdate(ds: DsObj, nodes: NodeObj[], byNode: Map<string, PodObj[]>, hash: string, nowMs: number, create: string[], remove: PodObj[]): void {
    const ru = ds.spec?.updateStrategy?.rollingUpdate;
    const desired = nodes.filter((n) => nodeEligibility(daemonPodSpec(ds), n).shouldRun).length;
    const maxSurge = scaledValue(ru?.maxSurge ?? 0, desired, true);
    const maxUnavailable = maxSurge > 0 ? scaledValue(ru?.maxUnavailable ?? 0, desired, true) : Math.max(1, scaledValue(ru?.maxUnavailable ?? 1, desired, true));
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const removing = new Set(remove.map((p) => p.metadata?.uid));
    let unavailable = 0;
    const candidates: { node: string; old: PodObj; available: boolean; hasNew?: PodObj }[] = [];
    for (const node of nodes) {
      const nodeName = node.metadata!.name!;
      if (!nodeEligibility(daemonPodSpec(ds), node).shouldRun) continue;
      const live = (byNode.get(nodeName) ?? []).filter((p) => !p.metadata?.deletionTimestamp && !removing.has(p.metadata?.uid) && p.status?.phase !== 'Failed');
      const newPod = live.find((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash);
      const old = live.find((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== hash);
      const anyAvailable = live.some((p) => isPodAvailable(p, minReady, nowMs));
      if (!anyAvailable) unavailable++;
      if (old) candidates.push({ node: nodeName, old, available: isPodAvailable(old, minReady, nowMs), hasNew: newPod });
    }
    if (maxSurge === 0) {
      // Unavailable old pods go first: replacing them costs no availability.
      let budget = maxUnavailable - unavailable;
      for (const c of candidates.sort((a, b) => Number(a.available) - Number(b.available))) {
        if (!c.available) remove.push(c.old);
        else if (budget > 0) {
          remove.push(c.old);
          budget--;
        }
      }
      return;
    }
    let surge = candidates.filter((c) => c.hasNew && !isPodAvailable(c.hasNew, minReady, nowMs)).length;
    for (const c of candidates) {
      if (c.hasNew) {
        if (isPodAvailable(c.hasNew, minReady, nowMs)) remove.push(c.old);
      } else if (!c.available) remove.push(c.old);
      else if (surge < maxSurge) {
        create.push(c.node);
        surge++;
      }
    }
  }

  private async syncNodes(key: string, ds: DsObj, create: string[], remove: PodObj[], hash: string): Promise<void> {
    const uniqueRemove = [...new Map(remove.map((p) => [p.metadata!.uid!, p])).values()];
    if (create.length) this.expectations.expectCreations(key, create.length);
    const errors: unknown[] = [];
    await Promise.all(
      create.map(async (nodeName) => {
        try {
          const pod = await this.ctx.client.create<PodObj>(PODS, ds.metadata?.namespace, daemonPod(ds, nodeName, hash) as PodObj);
          this.events.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
        } catch (e) {
          this.expectations.creationObserved(key);
          this.events.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          errors.push(e);
        }
      }),
    );
    // One expectation kind at a time: creations matter most (a stale cache must not double-create).
    if (uniqueRemove.length && create.length === 0) {
      this.expectations.expectDeletions(
        key,
        uniqueRemove.map((p) => keyOf(p)),
      );
    }
    await Promise.all(
      uniqueRemove.map(async (p) => {
        try {
          await this.ctx.client.delete(PODS, p.metadata?.namespace, p.metadata!.name!);
          this.events.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(p));
          if (isNotFound(e)) return;
          this.events.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
          errors.push(e);
        }
      }),
    );
    if (errors.length) throw errors[0];
  }

  private computeStatus(ds: DsObj, nodes: NodeObj[], byNode: Map<string, PodObj[]>, hash: string, minReady: number, nowMs: number, collisionCount: number): DaemonSetStatus {
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const el = nodeEligibility(daemonPodSpec(ds), node);
      const live = (byNode.get(node.metadata!.name!) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      if (el.shouldRun) desired++;
      if (live.length === 0) continue;
      if (!el.shouldRun) {
        misscheduled++;
        continue;
      }
      current++;
      const newest = [...live].sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''))[0];
      if (isPodReady(newest)) {
        ready++;
        if (isPodAvailable(newest, minReady, nowMs)) available++;
      }
      if (live.some((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash)) updated++;
    }
    const status: DaemonSetStatus = {
      currentNumberScheduled: current,
      desiredNumberScheduled: desired,
      numberMisscheduled: misscheduled,
      numberReady: ready,
    };
    if (available) status.numberAvailable = available;
    if (desired - available > 0) status.numberUnavailable = desired - available;
    if (updated) status.updatedNumberScheduled = updated;
    if (collisionCount) status.collisionCount = collisionCount;
    if (ds.metadata?.generation !== undefined) status.observedGeneration = ds.metadata.generation;
    return status;
  }

  private async writeStatus(ds: DsObj, status: DaemonSetStatus): Promise<void> {
    const { conditions: _c, ...old } = ds.status ?? ({} as DaemonSetStatus);
    if (JSON.stringify(Object.entries(old).sort()) === JSON.stringify(Object.entries(status).sort())) return;
    try {
      await this.ctx.client.updateStatus(DAEMON_SETS, ds.metadata?.namespace, { ...clone(ds), status: { ...status, conditions: ds.status?.conditions } } as DsObj);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.log.debug({ ds: keyOf(ds) }, 'daemonset gone before status update');
    }
  }
}
