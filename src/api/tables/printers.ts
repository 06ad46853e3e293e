// Which printer serves which kind. Kinds without one get a default table (see table.ts).
import { horizontalPodAutoscalerPrinter } from './autoscaling.js';
import {
  componentStatusPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  podDisruptionBudgetPrinter,
  priorityClassPrinter,
  resourceQuotaPrinter,
} from './cluster.js';
import { certificateSigningRequestPrinter } from './certificates.js';
import { column } from './columns.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { coreEventPrinter, eventsApiEventPrinter } from './events.js';
import {
  endpointSlicePrinter,
  endpointsPrinter,
  ingressClassPrinter,
  ingressPrinter,
  networkPolicyPrinter,
  servicePrinter,
} from './networking.js';
import { podPrinter } from './pod.js';
import { clusterRoleBindingPrinter, roleBindingPrinter } from './rbac.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.js';
import type { Printer, TableCell } from './types.js';
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  podTemplatePrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  scalePrinter,
  statefulSetPrinter,
} from './workloads.js';

/** metav1.Status, e.g. the body of a delete answered as a Table. */
const statusPrinter: Printer = {
  columns: [
    column('Status', 'string', 'Status of the operation. One of: "Success" or "Failure".'),
    column('Reason', 'string', 'A machine-readable description of why this operation is in the "Failure" status.'),
    column('Message', 'string', 'A human-readable description of the status of this operation.'),
  ],
  cells(s: { status?: string; reason?: string; message?: string }): TableCell[] {
    return [s.status ?? '', s.reason ?? '', s.message ?? ''];
  },
};

const PRINTERS = new Map<string, Printer>([
  ['/Pod', podPrinter],
  ['/PodTemplate', podTemplatePrinter],
  ['/ReplicationController', replicationControllerPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/Node', nodePrinter],
  ['/Event', coreEventPrinter],
  ['/Namespace', namespacePrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/ConfigMap', configMapPrinter],
  ['/PersistentVolume', persistentVolumePrinter],
  ['/PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['/ComponentStatus', componentStatusPrinter],
  ['/ResourceQuota', resourceQuotaPrinter],
  ['/Status', statusPrinter],
  ['meta.k8s.io/Status', statusPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerPrinter],
  ['autoscaling/Scale', scalePrinter],
  ['networking.k8s.io/Ingress', ingressPrinter],
  ['extensions/Ingress', ingressPrinter],
  ['networking.k8s.io/IngressClass', ingressClassPrinter],
  ['networking.k8s.io/NetworkPolicy', networkPolicyPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingPrinter],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', clusterRoleBindingPrinter],
  ['storage.k8s.io/StorageClass', storageClassPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['scheduling.k8s.io/PriorityClass', priorityClassPrinter],
  ['events.k8s.io/Event', eventsApiEventPrinter],
  ['certificates.k8s.io/CertificateSigningRequest', certificateSigningRequestPrinter],
]);

export function printerFor(group: string, kind: string): Printer | undefined {
  return PRINTERS.get(`${group}/${kind}`);
}
