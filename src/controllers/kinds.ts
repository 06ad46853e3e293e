// Registry entries of the kinds the batch, daemon, stateful, storage and cluster controllers
// read and write (the workload basics live in resource-types.ts).
import { findByKind, type ResourceType } from '../api/registry.js';

function must(group: string, kind: string): ResourceType {
  const rt = findByKind(group, kind);
  if (!rt) throw new Error(`resource ${kind}.${group} missing from the registry`);
  return rt;
}

export const JOBS = must('batch', 'Job');
export const CRON_JOBS = must('batch', 'CronJob');
export const DAEMON_SETS = must('apps', 'DaemonSet');
export const STATEFUL_SETS = must('apps', 'StatefulSet');
export const CONTROLLER_REVISIONS = must('apps', 'ControllerRevision');
export const NODES = must('', 'Node');
export const NAMESPACES = must('', 'Namespace');
export const SERVICE_ACCOUNTS = must('', 'ServiceAccount');
export const PERSISTENT_VOLUMES = must('', 'PersistentVolume');
export const PERSISTENT_VOLUME_CLAIMS = must('', 'PersistentVolumeClaim');
export const STORAGE_CLASSES = must('storage.k8s.io', 'StorageClass');
export const POD_DISRUPTION_BUDGETS = must('policy', 'PodDisruptionBudget');
