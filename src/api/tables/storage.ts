// Printers for PersistentVolume, PersistentVolumeClaim and StorageClass.
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { ageColumn, column, nameColumn, wide } from './columns.js';
import { formatAccessModes, formatAge } from './format.js';
import { canonicalQuantity } from './quantity-format.js';
import type { Printer, TableCell } from './types.js';

/** The legacy annotation still wins over spec.storageClassName, as upstream's helpers do. */
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function volumeClass(o: PersistentVolume | PersistentVolumeClaim): string {
  const ann = o.metadata?.annotations?.[BETA_CLASS_ANNOTATION];
  if (ann !== undefined) return ann;
  return o.spec?.storageClassName ?? '';
}

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
    column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    ageColumn(),
    wide('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
  ],
  cells(pv: PersistentVolume, ctx): TableCell[] {
    const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '';
    const phase = pv.metadata?.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
    return [
      pv.metadata?.name ?? '',
      canonicalQuantity(pv.spec?.capacity?.storage),
      formatAccessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      phase,
      claim,
      volumeClass(pv),
      pv.spec?.volumeAttributesClassName ?? '<unset>',
      pv.status?.reason ?? '',
      formatAge(pv.metadata?.creationTimestamp, ctx.now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    wide('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.'),
  ],
  cells(pvc: PersistentVolumeClaim, ctx): TableCell[] {
    const phase = pvc.metadata?.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
    // Capacity and modes are only meaningful once bound to a volume.
    const bound = !!pvc.spec?.volumeName;
    return [
      pvc.metadata?.name ?? '',
      phase,
      pvc.spec?.volumeName ?? '',
      bound ? canonicalQuantity(pvc.status?.capacity?.storage) : '',
      bound ? formatAccessModes(pvc.status?.accessModes) : '',
      volumeClass(pvc),
      pvc.spec?.volumeAttributesClassName ?? '<unset>',
      formatAge(pvc.metadata?.creationTimestamp, ctx.now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
};

function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export const storageClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
    column('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    column('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn(),
  ],
  cells(sc: StorageClass, ctx): TableCell[] {
    const n = sc.metadata?.name ?? '';
    return [
      isDefaultClass(sc) ? `${n} (default)` : n,
      sc.provisioner ?? '',
      sc.reclaimPolicy ?? 'Delete',
      sc.volumeBindingMode ?? 'Immediate',
      sc.allowVolumeExpansion ?? false,
      formatAge(sc.metadata?.creationTimestamp, ctx.now),
    ];
  },
};
