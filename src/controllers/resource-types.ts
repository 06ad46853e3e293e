// Registry entries of the kinds the workload controllers read and write.
import { findByKind, type ResourceType } from '../api/registry.js';

function must(group: string, kind: string): ResourceType {
  const rt = findByKind(group, kind);
  if (!rt) throw new Error(`resource ${kind}.${group} missing from the registry`);
  return rt;
}

export const PODS = must('', 'Pod');
export const REPLICA_SETS = must('apps', 'ReplicaSet');
export const DEPLOYMENTS = must('apps', 'Deployment');
export const LEASES = must('coordination.k8s.io', 'Lease');
