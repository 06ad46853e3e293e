// Printers for workload controllers and their helpers: ReplicaSet, ReplicationController,
// Deployment, DaemonSet, StatefulSet, Job, CronJob, PodTemplate, ControllerRevision, Scale.
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { PodTemplate, ReplicationController } from 'kubernetes-types/core/v1.js';
import { CONTAINERS_DESCRIPTION, IMAGES_DESCRIPTION, ageColumn, column, nameColumn, wide } from './columns.js';
import {
  containerCells,
  formatAge,
  formatBoolPtr,
  formatLabelSelector,
  formatLabels,
  groupKindLower,
  humanDuration,
  labelSelectorString,
  parseTime,
} from './format.js';
import type { PrintContext, Printer, TableCell } from './types.js';

const containersWide = () => wide('Containers', 'string', CONTAINERS_DESCRIPTION);
const imagesWide = () => wide('Images', 'string', IMAGES_DESCRIPTION);
const selectorWide = () => wide('Selector', 'string', 'A label query over pods that should match the replica count. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors');

const age = (o: { metadata?: { creationTimestamp?: string } }, ctx: PrintContext) => formatAge(o.metadata?.creationTimestamp, ctx.now);
const name = (o: { metadata?: { name?: string } }) => o.metadata?.name ?? '';

export const podTemplatePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Containers', 'string', CONTAINERS_DESCRIPTION),
    column('Images', 'string', IMAGES_DESCRIPTION),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells(o: PodTemplate): TableCell[] {
    const [names, images] = containerCells(o.template?.spec?.containers);
    return [name(o), names, images, formatLabels(o.template?.metadata?.labels)];
  },
};

export const replicationControllerPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    ageColumn(),
    containersWide(),
    imagesWide(),
    selectorWide(),
  ],
  cells(o: ReplicationController, ctx): TableCell[] {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [name(o), o.spec?.replicas ?? 1, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, ctx), names, images, formatLabels(o.spec?.selector)];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    ageColumn(),
    containersWide(),
    imagesWide(),
    selectorWide(),
  ],
  cells(o: ReplicaSet, ctx): TableCell[] {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [name(o), o.spec?.replicas ?? 1, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, ctx), names, images, formatLabelSelector(o.spec?.selector)];
  },
};

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(),
    containersWide(),
    imagesWide(),
    wide('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  cells(o: Deployment, ctx): TableCell[] {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    // Unlike the other workloads, an empty selector prints as '' here (upstream quirk).
    const selector = labelSelectorString(o.spec?.selector) ?? '<invalid>';
    return [
      name(o),
      `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
      o.status?.updatedReplicas ?? 0,
      o.status?.availableReplicas ?? 0,
      age(o, ctx),
      names,
      images,
      selector,
    ];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
    ageColumn(),
    containersWide(),
    imagesWide(),
    wide('Selector', 'string', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
  ],
  cells(o: DaemonSet, ctx): TableCell[] {
    const st = o.status;
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [
      name(o),
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      formatLabels(o.spec?.template?.spec?.nodeSelector),
      age(o, ctx),
      names,
      images,
      formatLabelSelector(o.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [nameColumn(), column('Ready', 'string', 'Number of the pod with ready state'), ageColumn(), containersWide(), imagesWide()],
  cells(o: StatefulSet, ctx): TableCell[] {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [name(o), `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`, age(o, ctx), names, images];
  },
};

/** hasJobCondition: the first condition of that type decides. */
function jobCondition(conds: JobCondition[] | undefined, type: string): boolean {
  const c = (conds ?? []).find((x) => x.type === type);
  return c?.status === 'True';
}

function jobStatus(o: Job): string {
  const conds = o.status?.conditions;
  if (jobCondition(conds, 'Complete')) return 'Complete';
  if (jobCondition(conds, 'Failed')) return 'Failed';
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  if (jobCondition(conds, 'Suspended')) return 'Suspended';
  if (jobCondition(conds, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: Job): string {
  const succeeded = o.status?.succeeded ?? 0;
  if (o.spec?.completions !== undefined && o.spec.completions !== null) return `${succeeded}/${o.spec.completions}`;
  // Work-queue jobs (no completions) finish on the first success.
  const parallelism = o.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: Job, now: Date): string {
  const start = parseTime(o.status?.startTime);
  if (start === undefined) return '';
  const end = parseTime(o.status?.completionTime);
  return humanDuration((end ?? now.getTime()) - start);
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersWide(),
    imagesWide(),
    selectorWide(),
  ],
  cells(o: Job, ctx): TableCell[] {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [name(o), jobStatus(o), jobCompletions(o), jobDuration(o, ctx.now), age(o, ctx), names, images, formatLabelSelector(o.spec?.selector)];
  },
};

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    containersWide(),
    imagesWide(),
    selectorWide(),
  ],
  cells(o: CronJob, ctx): TableCell[] {
    const last = o.status?.lastScheduleTime ? formatAge(o.status.lastScheduleTime, ctx.now) : '<none>';
    const podSpec = o.spec?.jobTemplate?.spec?.template?.spec;
    const [names, images] = containerCells(podSpec?.containers);
    return [
      name(o),
      o.spec?.schedule ?? '',
      o.spec?.timeZone ?? '<none>',
      formatBoolPtr(o.spec?.suspend),
      (o.status?.active ?? []).length,
      last,
      age(o, ctx),
      names,
      images,
      formatLabelSelector(o.spec?.jobTemplate?.spec?.selector),
    ];
  },
};

export const controllerRevisionPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  cells(o: ControllerRevision, ctx): TableCell[] {
    const ref = (o.metadata?.ownerReferences ?? []).find((r) => r.controller);
    const controller = ref ? `${groupKindLower(ref.apiVersion, ref.kind)}/${ref.name}` : '<none>';
    return [name(o), controller, o.revision ?? 0, age(o, ctx)];
  },
};

/** autoscaling/v1 Scale (the scale subresource). Its Name column has no 'name' format upstream. */
export const scalePrinter: Printer = {
  columns: [
    column('Name', 'string', 'Name must be unique within a namespace.'),
    column('Desired', 'integer', 'desired number of instances for the scaled object.'),
    column('Available', 'integer', 'actual number of observed instances of the scaled object.'),
    ageColumn(),
  ],
  cells(o: { metadata?: { name?: string; creationTimestamp?: string }; spec?: { replicas?: number }; status?: { replicas?: number } }, ctx): TableCell[] {
    return [name(o), o.spec?.replicas ?? 0, o.status?.replicas ?? 0, age(o, ctx)];
  },
};
