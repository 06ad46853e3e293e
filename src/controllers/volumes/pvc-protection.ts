// PVC protection (upstream pvc-protection-controller): every claim carries the
// kubernetes.io/pvc-protection finalizer, so deleting a claim that a scheduled pod still uses
// only marks it Terminating; the finalizer is removed once no such pod is left.
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../client/api.js';
import { keyOf, splitKey, type SharedInformer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../context.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../finalizers.js';
import { PERSISTENT_VOLUME_CLAIMS } from '../kinds.js';
import { PODS } from '../resource-types.js';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

type PvcObj = PersistentVolumeClaim & KubeObject;
type PodObj = Pod & KubeObject;

/** Claim names a pod refers to: persistentVolumeClaim volumes and generic ephemeral volumes. */
export function claimNamesOf(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name}-${v.name}`);
  }
  return out;
}

/** Kubelet is done with the pod, or it was force-deleted (deletionGracePeriodSeconds 0). */
function isShutDown(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0;
}

/** Only scheduled pods count: the node agent refuses to start a pod whose claim is being deleted. */
export function podUsesClaim(pod: Pod, claim: string): boolean {
  if (!pod.spec?.nodeName || isShutDown(pod)) return false;
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  return claimNamesOf(pod).includes(claim);
}

export class PvcProtectionController implements Controller {
  readonly name = 'pvc-protection';
  readonly queue: WorkQueue<string>;
  readonly workers = 1;
  private readonly pvcs: SharedInformer<PvcObj>;
  private readonly pods: SharedInformer<PodObj>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue<string>({ name: 'pvcprotection', clock: ctx.clock });
    this.pvcs = ctx.factory.informerFor(PERSISTENT_VOLUME_CLAIMS);
    this.pods = ctx.factory.informerFor(PODS);
    this.pvcs.addEventHandler({ onAdd: (c) => this.queue.add(keyOf(c)), onUpdate: (_o, c) => this.queue.add(keyOf(c)) });
    const onPod = (p: PodObj) => {
      for (const c of claimNamesOf(p)) this.queue.add(`${p.metadata?.namespace}/${c}`);
    };
    this.pods.addEventHandler({ onUpdate: (_o, p) => onPod(p), onDelete: onPod });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pvc = this.pvcs.get(namespace, name);
    if (!pvc) return;
    const deleting = !!pvc.metadata?.deletionTimestamp;
    if (!deleting) {
      if (!hasFinalizer(pvc, PVC_PROTECTION_FINALIZER)) await addFinalizer(this.ctx.client, PERSISTENT_VOLUME_CLAIMS, pvc, PVC_PROTECTION_FINALIZER);
      return;
    }
    if (!hasFinalizer(pvc, PVC_PROTECTION_FINALIZER)) return;
    if (this.pods.byIndex('namespace', namespace ?? '').some((p) => podUsesClaim(p, name))) return;
    // The cache may lag a pod just created: ask the API server before letting go.
    const live = await this.ctx.client.list<PodObj>(PODS, namespace);
    if (live.items.some((p) => podUsesClaim(p, name))) return;
    await removeFinalizer(this.ctx.client, PERSISTENT_VOLUME_CLAIMS, pvc, PVC_PROTECTION_FINALIZER);
  }
}
