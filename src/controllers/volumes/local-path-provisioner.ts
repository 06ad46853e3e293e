// Skiff's built-in dynamic provisioner (in the spirit of k3s' local-path-provisioner): for a claim
// of a class whose provisioner is skiff.dev/local-path, once the scheduler has picked a node
// (annotation volume.kubernetes.io/selected-node), it creates the PersistentVolume
// "pvc-<claim uid>": a hostPath directory <prefix>/<claim uid> pinned to that node by node
// affinity, pre-bound to the claim (the binder completes the binding; the node agent creates the
// directory when it mounts it). Released volumes with reclaimPolicy Delete are deleted, with
// their directory when it lives on this machine. It also makes sure the default StorageClass
// "local-path" exists when it starts.
import { existsSync, rmSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type pino from 'pino';
import { isAlreadyExists, isNotFound, type KubeObject } from '../../client/api.js';
import type { SharedInformer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from '../context.js';
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES, STORAGE_CLASSES } from '../kinds.js';
import { claimClass, DEFAULT_CLASS_ANNOTATION } from './claim-matching.js';
import { PROVISIONED_BY_ANNOTATION, SELECTED_NODE_ANNOTATION } from './pv-binder.js';

export const LOCAL_PATH_PROVISIONER = 'skiff.dev/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
export const DEFAULT_LOCAL_PATH_PREFIX = '/var/lib/skiff/local-path';
/** Overrides the directory prefix when the constructor is given none (e.g. `skiff server` under a data dir). */
export const LOCAL_PATH_PREFIX_ENV = 'SKIFF_LOCAL_PATH_DIR';

type PvObj = PersistentVolume & KubeObject;
type PvcObj = PersistentVolumeClaim & KubeObject;
type ScObj = StorageClass & KubeObject;

const ENSURE_CLASS_KEY = 'storageclass';

export interface LocalPathProvisionerOptions {
  /** Directory under which volumes are made; default $SKIFF_LOCAL_PATH_DIR or /var/lib/skiff/local-path. */
  pathPrefix?: string;
  /** Create the default "local-path" StorageClass if missing (default true). */
  ensureDefaultClass?: boolean;
}

/** The default StorageClass Skiff ships, as k3s ships its local-path class. */
export function localPathStorageClass(): ScObj {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** The PersistentVolume for a claim on a node. */
export function localPathVolume(pvc: PersistentVolumeClaim, sc: StorageClass, node: string, prefix: string): PvObj {
  const uid = pvc.metadata!.uid!;
  const pv: PvObj = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${uid}`, annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER } },
    spec: {
      capacity: { storage: String(pvc.spec?.resources?.requests?.storage ?? '1Gi') },
      accessModes: pvc.spec?.accessModes?.length ? [...pvc.spec.accessModes] : ['ReadWriteOnce'],
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata?.name,
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid, resourceVersion: pvc.metadata?.resourceVersion },
      hostPath: { path: `${prefix.replace(/\/+$/, '')}/${uid}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    },
  };
  if (sc.mountOptions?.length) pv.spec!.mountOptions = [...sc.mountOptions];
  return pv;
}

export class LocalPathProvisioner implements Controller {
  readonly name = 'local-path-provisioner';
  readonly queue: WorkQueue<string>;
  readonly workers = 1;
  readonly pathPrefix: string;
  private readonly pvs: SharedInformer<PvObj>;
  private readonly pvcs: SharedInformer<PvcObj>;
  private readonly classes: SharedInformer<ScObj>;
  private readonly events: EventSink;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: LocalPathProvisionerOptions = {},
  ) {
    this.pathPrefix = resolve(opts.pathPrefix ?? process.env[LOCAL_PATH_PREFIX_ENV] ?? DEFAULT_LOCAL_PATH_PREFIX);
    this.queue = new WorkQueue<string>({ name: 'local-path-provisioner', clock: ctx.clock });
    this.events = ctx.events(LOCAL_PATH_PROVISIONER);
    this.log = ctx.logger.child({ component: 'local-path-provisioner' });
    this.pvs = ctx.factory.informerFor(PERSISTENT_VOLUMES);
    this.pvcs = ctx.factory.informerFor(PERSISTENT_VOLUME_CLAIMS);
    this.classes = ctx.factory.informerFor(STORAGE_CLASSES);
    const onPvc = (pvc: PvcObj) => this.queue.add(`claim:${pvc.metadata?.namespace}/${pvc.metadata?.name}`);
    this.pvcs.addEventHandler({ onAdd: onPvc, onUpdate: (_o, pvc) => onPvc(pvc) });
    const onPv = (pv: PvObj) => {
      if (pv.metadata?.annotations?.[PROVISIONED_BY_ANNOTATION] === LOCAL_PATH_PROVISIONER) this.queue.add(`volume:${pv.metadata.name}`);
    };
    this.pvs.addEventHandler({ onAdd: onPv, onUpdate: (_o, pv) => onPv(pv) });
    if (opts.ensureDefaultClass !== false) this.queue.add(ENSURE_CLASS_KEY);
  }

  async reconcile(key: string): Promise<void> {
    if (key === ENSURE_CLASS_KEY) return this.ensureDefaultClass();
    const i = key.indexOf(':');
    const rest = key.slice(i + 1);
    if (key.startsWith('volume:')) {
      const pv = this.pvs.get(undefined, rest);
      if (pv) await this.syncVolume(pv);
      return;
    }
    const [ns, name] = rest.split('/');
    const pvc = this.pvcs.get(ns, name);
    if (pvc) await this.syncClaim(pvc);
  }

  private async ensureDefaultClass(): Promise<void> {
    if (this.classes.get(undefined, LOCAL_PATH_CLASS)) return;
    try {
      await this.ctx.client.create(STORAGE_CLASSES, undefined, localPathStorageClass());
      this.log.info({ storageClass: LOCAL_PATH_CLASS }, 'created the default StorageClass');
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  private async syncClaim(pvc: PvcObj): Promise<void> {
    if (pvc.spec?.volumeName || pvc.metadata?.deletionTimestamp) return;
    const sc = this.classes.get(undefined, claimClass(pvc));
    if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER) return;
    const pvName = `pvc-${pvc.metadata!.uid}`;
    if (this.pvs.get(undefined, pvName)) return;
    const node = pvc.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
    if (!node) {
      // Without a node there is nowhere to put a local directory (WaitForFirstConsumer waits for one).
      if (sc.volumeBindingMode !== 'WaitForFirstConsumer') {
        this.events.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata?.name}": configuration error, no node was specified`);
      }
      return;
    }
    const claimName = `${pvc.metadata?.namespace}/${pvc.metadata?.name}`;
    this.events.event(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claimName}"`);
    try {
      await this.ctx.client.create(PERSISTENT_VOLUMES, undefined, localPathVolume(pvc, sc, node, this.pathPrefix));
    } catch (e) {
      if (isAlreadyExists(e)) return;
      this.events.event(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata?.name}": ${(e as Error).message}`);
      throw e;
    }
    this.events.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  /** Delete Released volumes whose reclaim policy says so (directory first, then the object). */
  private async syncVolume(pv: PvObj): Promise<void> {
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete' || pv.metadata?.deletionTimestamp) return;
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (path && resolve(path).startsWith(this.pathPrefix + sep) && existsSync(path)) {
      try {
        rmSync(path, { recursive: true, force: true });
      } catch (e) {
        this.events.event(pv, 'Warning', 'VolumeFailedDelete', `failed to delete ${path}: ${(e as Error).message}`);
        throw e;
      }
    }
    try {
      await this.ctx.client.delete(PERSISTENT_VOLUMES, undefined, pv.metadata!.name!, { preconditions: { uid: pv.metadata?.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
