// Defaults for the workload kinds (apps/v1, batch/v1, ReplicationController, PodTemplate),
// as upstream's SetDefaults_* for each; every pod template gets the PodSpec defaults.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { defaultPodTemplate } from './pod.js';
import { defaultPVC } from './storage.js';

export function defaultDeployment(d: any): void {
  const s = (d.spec ??= {});
  s.replicas ??= 1;
  s.strategy ??= {};
  s.strategy.type ||= 'RollingUpdate';
  if (s.strategy.type === 'RollingUpdate') {
    s.strategy.rollingUpdate ??= {};
    s.strategy.rollingUpdate.maxUnavailable ??= '25%';
    s.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  defaultPodTemplate((s.template ??= {}));
}

export function defaultReplicaSet(rs: any): void {
  const s = (rs.spec ??= {});
  s.replicas ??= 1;
  defaultPodTemplate((s.template ??= {}));
}

export function defaultReplicationController(rc: any): void {
  const s = (rc.spec ??= {});
  const labels = s.template?.metadata?.labels;
  // RC selector and labels come from the template when unset.
  if (labels && (!s.selector || Object.keys(s.selector).length === 0)) s.selector = { ...labels };
  rc.metadata ??= {};
  if (labels && (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0)) rc.metadata.labels = { ...labels };
  s.replicas ??= 1;
  if (s.template) defaultPodTemplate(s.template);
}

export function defaultDaemonSet(ds: any): void {
  const s = (ds.spec ??= {});
  s.updateStrategy ??= {};
  s.updateStrategy.type ||= 'RollingUpdate';
  if (s.updateStrategy.type === 'RollingUpdate') {
    s.updateStrategy.rollingUpdate ??= {};
    s.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    s.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  s.revisionHistoryLimit ??= 10;
  defaultPodTemplate((s.template ??= {}));
}

export function defaultStatefulSet(sts: any): void {
  const s = (sts.spec ??= {});
  s.podManagementPolicy ||= 'OrderedReady';
  s.updateStrategy ??= {};
  if (!s.updateStrategy.type) {
    s.updateStrategy.type = 'RollingUpdate';
    s.updateStrategy.rollingUpdate ??= {};
  }
  if (s.updateStrategy.type === 'RollingUpdate' && s.updateStrategy.rollingUpdate) s.updateStrategy.rollingUpdate.partition ??= 0;
  s.persistentVolumeClaimRetentionPolicy ??= {};
  s.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
  s.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
  s.replicas ??= 1;
  s.revisionHistoryLimit ??= 10;
  for (const t of s.volumeClaimTemplates ?? []) {
    if (!t) continue;
    defaultPVC(t);
  }
  defaultPodTemplate((s.template ??= {}));
}

/** Job defaults; the generated selector and labels need the uid and are added at create time. */
export function defaultJob(job: any): void {
  const s = (job.spec ??= {});
  // Both unset → a single non-parallel pod; parallelism alone → a work queue (completions stay unset).
  if (s.completions == null && s.parallelism == null) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  if (s.backoffLimit == null) s.backoffLimit = s.backoffLimitPerIndex != null ? 2147483647 : 6;
  s.completionMode ||= 'NonIndexed';
  s.suspend ??= false;
  if (s.podReplacementPolicy == null) s.podReplacementPolicy = s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  for (const r of s.podFailurePolicy?.rules ?? []) for (const p of r?.onPodConditions ?? []) if (p && !p.status) p.status = 'True';
  job.metadata ??= {};
  const labels = s.template?.metadata?.labels;
  if (labels && (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0)) job.metadata.labels = { ...labels };
  defaultPodTemplate((s.template ??= {}));
}

export function defaultCronJob(cj: any): void {
  const s = (cj.spec ??= {});
  s.concurrencyPolicy ||= 'Allow';
  s.suspend ??= false;
  s.successfulJobsHistoryLimit ??= 3;
  s.failedJobsHistoryLimit ??= 1;
  s.jobTemplate ??= {};
  s.jobTemplate.spec ??= {};
  defaultPodTemplate((s.jobTemplate.spec.template ??= {}));
}

export function defaultPodTemplateObject(pt: any): void {
  defaultPodTemplate((pt.template ??= {}));
}
