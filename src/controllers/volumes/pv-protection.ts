// PV protection (upstream pv-protection-controller): every volume carries the
// kubernetes.io/pv-protection finalizer, so deleting a Bound volume only marks it Terminating;
// the finalizer is removed once the volume is no longer Bound.
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../client/api.js';
import type { SharedInformer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../context.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../finalizers.js';
import { PERSISTENT_VOLUMES } from '../kinds.js';

export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

type PvObj = PersistentVolume & KubeObject;

export class PvProtectionController implements Controller {
  readonly name = 'pv-protection';
  readonly queue: WorkQueue<string>;
  readonly workers = 1;
  private readonly pvs: SharedInformer<PvObj>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue<string>({ name: 'pvprotection', clock: ctx.clock });
    this.pvs = ctx.factory.informerFor(PERSISTENT_VOLUMES);
    this.pvs.addEventHandler({ onAdd: (v) => this.queue.add(v.metadata!.name!), onUpdate: (_o, v) => this.queue.add(v.metadata!.name!) });
  }

  async reconcile(name: string): Promise<void> {
    const pv = this.pvs.get(undefined, name);
    if (!pv) return;
    if (!pv.metadata?.deletionTimestamp) {
      if (!hasFinalizer(pv, PV_PROTECTION_FINALIZER)) await addFinalizer(this.ctx.client, PERSISTENT_VOLUMES, pv, PV_PROTECTION_FINALIZER);
      return;
    }
    if (!hasFinalizer(pv, PV_PROTECTION_FINALIZER) || pv.status?.phase === 'Bound') return;
    await removeFinalizer(this.ctx.client, PERSISTENT_VOLUMES, pv, PV_PROTECTION_FINALIZER);
  }
}
