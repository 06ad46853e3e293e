// The PersistentVolume controller's binder (upstream persistentvolume-binder): binds claims to
// matching volumes (both sides: pv.spec.claimRef + pvc.spec.volumeName, the bind-completed and
// bound-by-controller annotations, phases Bound), fills in the default StorageClass for claims
// that name none, leaves WaitForFirstConsumer claims to the scheduler, hands dynamic claims to
// their provisioner (volume.kubernetes.io/storage-provisioner), marks volumes whose claim is
// gone Released and reclaims them (Retain keeps them; Delete is done by the provisioner that made
// them; static volumes cannot be deleted and become Failed, as upstream without a deleter plugin).
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type pino from 'pino';
import { isConflict, isNotFound, type KubeObject } from '../../client/api.js';
import { clone, type SharedInformer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, STORAGE_CLASSES } from '../kinds.js';
import { rfc3339 } from '../timestamps.js';
import { claimClass, claimHasNoClass, defaultClass, findBestMatch, isVolumeBoundToClaim } from './claim-matching.js';

export const PV_CONTROLLER = 'persistentvolume-controller';
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
export const BETA_STORAGE_PROVISIONER_ANNOTATION = 'volume.beta.kubernetes.io/storage-provisioner';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

type PvObj = PersistentVolume & KubeObject;
type PvcObj = PersistentVolumeClaim & KubeObject;
type ScObj = StorageClass & KubeObject;

export interface PersistentVolumeBinderOptions {
  workers?: number;
  /**
   * Provisioners that delete their own Released volumes (they watch for them): the binder only
   * marks such volumes Released. Default: every provisioner except the binder's own (none).
   */
  externalDeleters?: (provisioner: string) => boolean;
}

const claimKey = (pvc: PersistentVolumeClaim) => `claim:${pvc.metadata?.namespace}/${pvc.metadata?.name}`;
const volumeKey = (name: string) => `volume:${name}`;

export class PersistentVolumeBinder implements Controller {
  readonly name = 'persistentvolume-binder';
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly pvs: SharedInformer<PvObj>;
  private readonly pvcs: SharedInformer<PvcObj>;
  private readonly classes: SharedInformer<ScObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: PersistentVolumeBinderOptions = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'persistentvolume-binder', clock: ctx.clock });
    this.workers = opts.workers ?? 1;
    this.events = ctx.events(PV_CONTROLLER);
    this.log = ctx.logger.child({ component: PV_CONTROLLER });
    this.pvs = ctx.factory.informerFor(PERSISTENT_VOLUMES);
    this.pvcs = ctx.factory.informerFor(PERSISTENT_VOLUME_CLAIMS);
    this.classes = ctx.factory.informerFor(STORAGE_CLASSES);
    const onPv = (pv: PvObj) => {
      this.queue.add(volumeKey(pv.metadata!.name!));
      const ref = pv.spec?.claimRef;
      if (ref?.name) this.queue.add(`claim:${ref.namespace}/${ref.name}`);
    };
    this.pvs.addEventHandler({ onAdd: onPv, onUpdate: (_o, pv) => onPv(pv), onDelete: onPv });
    const onPvc = (pvc: PvcObj) => {
      this.queue.add(claimKey(pvc));
      if (pvc.spec?.volumeName) this.queue.add(volumeKey(pvc.spec.volumeName));
    };
    this.pvcs.addEventHandler({
      onAdd: onPvc,
      onUpdate: (_o, pvc) => onPvc(pvc),
      // A deleted claim releases its volume.
      onDelete: (pvc) => {
        for (const pv of this.pvs.list()) if (pv.spec?.claimRef?.uid === pvc.metadata?.uid) this.queue.add(volumeKey(pv.metadata!.name!));
      },
    });
    // A new (default) class may unblock claims waiting for one.
    this.classes.addEventHandler({ onAdd: () => this.requeuePendingClaims(), onUpdate: () => this.requeuePendingClaims() });
  }

  private requeuePendingClaims(): void {
    for (const pvc of this.pvcs.list()) if (!pvc.spec?.volumeName) this.queue.add(claimKey(pvc));
  }

  async reconcile(key: string): Promise<void> {
    const i = key.indexOf(':');
    const kind = key.slice(0, i);
    const rest = key.slice(i + 1);
    if (kind === 'volume') {
      const pv = this.pvs.get(undefined, rest);
      if (pv) await this.syncVolume(pv);
      return;
    }
    const [ns, name] = rest.split('/');
    const pvc = this.pvcs.get(ns, name);
    if (pvc) await this.syncClaim(pvc);
  }

  // ---- claims ----

  private async syncClaim(pvc: PvcObj): Promise<void> {
    if (pvc.metadata?.annotations?.[BIND_COMPLETED_ANNOTATION] === undefined) await this.syncUnboundClaim(pvc);
    else await this.syncBoundClaim(pvc);
  }

  private async syncUnboundClaim(pvc: PvcObj): Promise<void> {
    if (pvc.spec?.volumeName) {
      // Pre-bound by the user to a named volume.
      const pv = this.pvs.get(undefined, pvc.spec.volumeName);
      if (!pv) {
        await this.setClaimPhase(pvc, 'Pending');
        return;
      }
      if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) {
        await this.bind(pv, pvc);
        return;
      }
      await this.setClaimPhase(pvc, 'Pending');
      this.events.event(pvc, 'Warning', 'FailedBinding', `volume "${pv.metadata?.name}" already bound to a different claim.`);
      return;
    }
    if (pvc.metadata?.deletionTimestamp) return;
    if (claimHasNoClass(pvc)) {
      // Retroactive default StorageClass assignment (GA in 1.28).
      const dc = defaultClass(this.classes.list());
      if (dc) {
        await this.patchClaim(pvc, { spec: { storageClassName: dc.metadata!.name } });
        return;
      }
    }
    const className = claimClass(pvc);
    const sc = className ? this.classes.get(undefined, className) : undefined;
    const delay = sc?.volumeBindingMode === 'WaitForFirstConsumer' && !pvc.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
    const pv = findBestMatch(pvc, this.pvs.list(), delay) as PvObj | undefined;
    if (pv) {
      await this.bind(pv, pvc);
      return;
    }
    await this.setClaimPhase(pvc, 'Pending');
    if (delay) {
      this.events.event(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    if (sc && sc.provisioner && sc.provisioner !== NO_PROVISIONER) {
      const ann = pvc.metadata?.annotations ?? {};
      if (ann[STORAGE_PROVISIONER_ANNOTATION] !== sc.provisioner) {
        await this.patchClaim(pvc, { metadata: { annotations: { [STORAGE_PROVISIONER_ANNOTATION]: sc.provisioner, [BETA_STORAGE_PROVISIONER_ANNOTATION]: sc.provisioner } } });
      }
      this.events.event(
        pvc,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that your external provisioner is running and correctly registered.`,
      );
      return;
    }
    if (className && !sc) this.events.event(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    else if (!className) this.events.event(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
  }

  private async syncBoundClaim(pvc: PvcObj): Promise<void> {
    if (!pvc.spec?.volumeName) {
      if (await this.setClaimPhase(pvc, 'Lost')) this.events.event(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const pv = this.pvs.get(undefined, pvc.spec.volumeName);
    if (!pv) {
      if (await this.setClaimPhase(pvc, 'Lost')) this.events.event(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    if (!pv.spec?.claimRef || pv.spec.claimRef.uid === pvc.metadata?.uid) {
      await this.bind(pv, pvc);
      return;
    }
    if (await this.setClaimPhase(pvc, 'Lost')) this.events.event(pvc, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
  }

  /** Both halves of a binding, each step a no-op when already done. */
  private async bind(pv: PvObj, pvc: PvcObj): Promise<void> {
    let volume = pv;
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid !== pvc.metadata?.uid || ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) {
      const next = clone(pv);
      next.spec = {
        ...next.spec,
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid, resourceVersion: pvc.metadata?.resourceVersion },
      };
      // The controller made (or completed) the binding, unless the user wrote a full claimRef.
      if (!ref || !ref.uid) next.metadata = { ...next.metadata, annotations: { ...(next.metadata?.annotations ?? {}), [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' } };
      const updated = await this.write(() => this.ctx.client.update<PvObj>(PERSISTENT_VOLUMES, undefined, next));
      if (!updated) return;
      volume = updated;
    }
    const boundVolume = await this.setVolumePhase(volume, 'Bound');
    if (!boundVolume) return;
    let claim = pvc;
    const ann = pvc.metadata?.annotations ?? {};
    if (pvc.spec?.volumeName !== pv.metadata?.name || ann[BIND_COMPLETED_ANNOTATION] !== 'yes') {
      const next = clone(pvc);
      const annotations: Record<string, string> = { ...ann, [BIND_COMPLETED_ANNOTATION]: 'yes' };
      if (pvc.spec?.volumeName !== pv.metadata?.name) annotations[BOUND_BY_CONTROLLER_ANNOTATION] = 'yes';
      next.metadata = { ...next.metadata, annotations };
      next.spec = { ...next.spec, volumeName: pv.metadata?.name };
      const updated = await this.write(() => this.ctx.client.update<PvcObj>(PERSISTENT_VOLUME_CLAIMS, pvc.metadata?.namespace, next));
      if (!updated) return;
      claim = updated;
    }
    const st = claim.status ?? {};
    const capacity = boundVolume.spec?.capacity;
    const modes = boundVolume.spec?.accessModes;
    if (st.phase !== 'Bound' || JSON.stringify(st.capacity) !== JSON.stringify(capacity) || JSON.stringify(st.accessModes) !== JSON.stringify(modes)) {
      const next = { ...clone(claim), status: { ...st, phase: 'Bound', capacity, accessModes: modes } };
      await this.write(() => this.ctx.client.updateStatus(PERSISTENT_VOLUME_CLAIMS, claim.metadata?.namespace, next));
    }
  }

  // ---- volumes ----

  private async syncVolume(pv: PvObj): Promise<void> {
    const ref = pv.spec?.claimRef;
    if (!ref) {
      await this.setVolumePhase(pv, 'Available');
      return;
    }
    if (!ref.uid) {
      // Pre-bound to a claim by name: the claim's sync finishes the binding.
      await this.setVolumePhase(pv, 'Available');
      this.queue.add(`claim:${ref.namespace}/${ref.name}`);
      return;
    }
    let claim = this.pvcs.get(ref.namespace, ref.name!);
    if (!claim || claim.metadata?.uid !== ref.uid) {
      // Make sure the claim is really gone (not just missing from a lagging cache).
      claim = await this.ctx.client.get<PvcObj>(PERSISTENT_VOLUME_CLAIMS, ref.namespace, ref.name!).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      if (claim && claim.metadata?.uid !== ref.uid) claim = undefined;
    }
    if (!claim) {
      const phase = pv.status?.phase;
      let cur: PvObj | undefined = pv;
      if (phase !== 'Released' && phase !== 'Failed') cur = await this.setVolumePhase(pv, 'Released');
      if (cur) await this.reclaim(cur);
      return;
    }
    if (!claim.spec?.volumeName) {
      // Bound on the volume side only (e.g. by the scheduler): the claim's sync completes it.
      this.queue.add(claimKey(claim));
      return;
    }
    if (claim.spec.volumeName === pv.metadata?.name) {
      await this.setVolumePhase(pv, 'Bound');
      return;
    }
    // The claim went to another volume.
    if (pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      const cur = await this.setVolumePhase(pv, 'Released');
      if (cur) await this.reclaim(cur);
    } else if (pv.metadata?.annotations?.[BOUND_BY_CONTROLLER_ANNOTATION]) {
      await this.unbind(pv);
    }
  }

  private async unbind(pv: PvObj): Promise<void> {
    const next = clone(pv);
    delete next.spec!.claimRef;
    const ann = { ...(next.metadata?.annotations ?? {}) };
    delete ann[BOUND_BY_CONTROLLER_ANNOTATION];
    next.metadata = { ...next.metadata, annotations: ann };
    const updated = await this.write(() => this.ctx.client.update<PvObj>(PERSISTENT_VOLUMES, undefined, next));
    if (updated) await this.setVolumePhase(updated, 'Available');
  }

  private async reclaim(pv: PvObj): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy === 'Delete') {
      const provisioner = pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION];
      const external = this.opts.externalDeleters ?? (() => true);
      if (provisioner && external(provisioner)) return; // its provisioner deletes it
      if (pv.status?.phase === 'Failed') return;
      const msg = `error getting deleter volume plugin for volume "${pv.metadata?.name}": no deletable volume plugin matched`;
      await this.setVolumePhase(pv, 'Failed', msg);
      this.events.event(pv, 'Warning', 'VolumeFailedDelete', msg);
      return;
    }
    if (pv.status?.phase === 'Failed') return;
    await this.setVolumePhase(pv, 'Failed', 'No recycler plugin found for the volume!');
    this.events.event(pv, 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
  }

  // ---- writes ----

  /** Runs a write; a conflict or a vanished object means a newer event will resync. */
  private async write<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) {
        this.log.debug({ err: (e as Error).message }, 'binder write lost a race; waiting for the next event');
        return undefined;
      }
      throw e;
    }
  }

  /** Returns the volume after the change (the same object when nothing changed). */
  private async setVolumePhase(pv: PvObj, phase: string, message?: string): Promise<PvObj | undefined> {
    if (pv.status?.phase === phase && (message === undefined || pv.status?.message === message)) return pv;
    const status: PersistentVolume['status'] = { phase, lastPhaseTransitionTime: rfc3339(this.ctx.clock.now()) };
    if (message) status.message = message;
    return this.write(() => this.ctx.client.updateStatus<PvObj>(PERSISTENT_VOLUMES, undefined, { ...clone(pv), status }));
  }

  /** Returns true when the phase changed. */
  private async setClaimPhase(pvc: PvcObj, phase: string): Promise<boolean> {
    if (pvc.status?.phase === phase) return false;
    const updated = await this.write(() => this.ctx.client.updateStatus(PERSISTENT_VOLUME_CLAIMS, pvc.metadata?.namespace, { ...clone(pvc), status: { ...(pvc.status ?? {}), phase } }));
    return updated !== undefined;
  }

  private async patchClaim(pvc: PvcObj, patch: Record<string, unknown>): Promise<void> {
    const meta = (patch.metadata ?? {}) as Record<string, unknown>;
    await this.write(() => this.ctx.client.patch(PERSISTENT_VOLUME_CLAIMS, pvc.metadata?.namespace, pvc.metadata!.name!, 'merge', { ...patch, metadata: { ...meta, resourceVersion: pvc.metadata?.resourceVersion } }));
  }
}

