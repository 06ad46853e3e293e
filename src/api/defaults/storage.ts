// Defaults for PersistentVolume, PersistentVolumeClaim and StorageClass (upstream SetDefaults_*).
/* eslint-disable @typescript-eslint/no-explicit-any */

export function defaultPVC(pvc: any): void {
  pvc.spec ??= {};
  pvc.spec.volumeMode ||= 'Filesystem';
  pvc.status ??= {};
  pvc.status.phase ||= 'Pending';
}

export function defaultPV(pv: any): void {
  pv.spec ??= {};
  pv.spec.persistentVolumeReclaimPolicy ||= 'Retain';
  pv.spec.volumeMode ||= 'Filesystem';
  if (pv.spec.hostPath) pv.spec.hostPath.type ??= '';
  pv.status ??= {};
  pv.status.phase ||= 'Pending';
}

export function defaultStorageClass(sc: any): void {
  sc.reclaimPolicy ||= 'Delete';
  sc.volumeBindingMode ||= 'Immediate';
}
