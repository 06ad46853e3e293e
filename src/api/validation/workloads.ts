// Validation for workload kinds (apps/v1, batch/v1, ReplicationController, PodTemplate,
// ControllerRevision), following upstream apps/batch validation and its messages.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { CronExpressionParser } from 'cron-parser';
import { type FieldError, forbiddenField, invalidValue, notSupported, required } from '../errors.js';
import { selectorFromLabelSelector, selectorFromMap, validateLabels, validateLabelSelector } from '../labels.js';
import { nameIsDNSLabel, nameIsDNSSubdomain } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { intValue, invalidIntOrString, validateNotMoreThan100Percent, validatePositiveIntOrPercent } from '../intstr.js';
import { goLabelSelector, goStringMap } from './gofmt.js';
import { immutable, invalidRendered, jsonEqual, nonNegative } from './field.js';
import { validatePodTemplateSpec } from './pod.js';

const NOT_MATCH = '`selector` does not match template `labels`';

function templateMatches(selector: any, labels: Record<string, string> | undefined): boolean | 'skip' {
  if (selector == null) return false; // a nil selector selects nothing
  try {
    const sel = selectorFromLabelSelector(selector);
    return sel.empty ? 'skip' : sel.matches(labels ?? {});
  } catch {
    return 'skip';
  }
}

function validateSelectorRequired(selector: any, path: string, what: string): FieldError[] {
  if (selector == null) return [required(path)];
  const errs = validateLabelSelector(selector, path);
  if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0)
    errs.push(invalidRendered(path, goLabelSelector(selector), `empty selector is invalid for ${what}`));
  return errs;
}

/** Upstream ValidatePodTemplateSpecForReplicaSet (also used for Deployments). */
function validateTemplateForReplicaSet(selector: any, template: any, path: string, kindWord: string): FieldError[] {
  if (!template) return [required(path)];
  const errs: FieldError[] = [];
  if (templateMatches(selector, template.metadata?.labels) === false)
    errs.push(invalidRendered(`${path}.metadata.labels`, goStringMap(template.metadata?.labels), NOT_MATCH));
  errs.push(...validatePodTemplateSpec(template, path));
  const rp = template.spec?.restartPolicy;
  if (rp !== 'Always') errs.push(notSupported(`${path}.spec.restartPolicy`, rp ?? '', ['Always']));
  if (template.spec?.activeDeadlineSeconds != null)
    errs.push(forbiddenField(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kindWord} is not Supported`));
  return errs;
}

function goStrategy(s: any, typeName: string, ruType: string): string {
  return `apps.${typeName}{Type:${JSON.stringify(s?.type ?? '')}, RollingUpdate:(*apps.${ruType})(nil)}`;
}

export function validateDeployment(d: any): FieldError[] {
  const s = d.spec ?? {};
  const errs = [...validateObjectMeta(d.metadata, true, nameIsDNSSubdomain)];
  errs.push(...nonNegative('spec.replicas', s.replicas));
  errs.push(...validateSelectorRequired(s.selector, 'spec.selector', 'deployment'));
  errs.push(...validateTemplateForReplicaSet(s.selector, s.template, 'spec.template', 'ReplicaSet'));
  const st = s.strategy ?? {};
  if (st.type === 'Recreate') {
    if (st.rollingUpdate != null) errs.push(forbiddenField('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (st.type === 'RollingUpdate') {
    const ru = st.rollingUpdate;
    if (ru == null) errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    else {
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
      if ((intValue(ru.maxUnavailable) ?? 0) === 0 && (intValue(ru.maxSurge) ?? 0) === 0)
        errs.push(invalidIntOrString('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    }
  } else {
    errs.push({
      type: 'FieldValueNotSupported',
      field: 'spec.strategy',
      detail: `Unsupported value: ${goStrategy(st, 'DeploymentStrategy', 'RollingUpdateDeployment')}: supported values: "Recreate", "RollingUpdate"`,
    });
  }
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  if (s.progressDeadlineSeconds != null) {
    if (s.progressDeadlineSeconds <= 0) errs.push(invalidValue('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than zero'));
    else if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0))
      errs.push(invalidValue('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

function selectorImmutable(obj: any, old: any): FieldError[] {
  const s = obj.spec?.selector;
  const o = old.spec?.selector;
  return jsonEqual(s, o) ? [] : immutable('spec.selector', s, o, goLabelSelector(s));
}

export function validateDeploymentUpdate(d: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(d.metadata, old.metadata), ...validateDeployment(d).filter(notMetaName), ...selectorImmutable(d, old)];
}

/** Update paths revalidate the spec but not the (immutable) name. */
function notMetaName(e: FieldError): boolean {
  return !e.field.startsWith('metadata.');
}

export function validateReplicaSet(rs: any): FieldError[] {
  const s = rs.spec ?? {};
  const errs = [...validateObjectMeta(rs.metadata, true, nameIsDNSSubdomain)];
  errs.push(...nonNegative('spec.replicas', s.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  errs.push(...validateSelectorRequired(s.selector, 'spec.selector', 'deployment'));
  errs.push(...validateTemplateForReplicaSet(s.selector, s.template, 'spec.template', 'ReplicaSet'));
  return errs;
}

export function validateReplicaSetUpdate(rs: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(rs.metadata, old.metadata), ...validateReplicaSet(rs).filter(notMetaName), ...selectorImmutable(rs, old)];
}

export function validateReplicationController(rc: any): FieldError[] {
  const s = rc.spec ?? {};
  const errs = [...validateObjectMeta(rc.metadata, true, nameIsDNSSubdomain)];
  errs.push(...nonNegative('spec.replicas', s.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  const selector = s.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  if (!s.template) errs.push(required('spec.template'));
  else {
    const sel = selectorFromMap(selector);
    if (!sel.empty && !sel.matches(s.template.metadata?.labels))
      errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(s.template.metadata?.labels), NOT_MATCH));
    errs.push(...validatePodTemplateSpec(s.template, 'spec.template'));
    if (s.template.spec?.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', s.template.spec?.restartPolicy ?? '', ['Always']));
  }
  return errs;
}

export function validateDaemonSet(ds: any): FieldError[] {
  const s = ds.spec ?? {};
  const errs = [...validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain)];
  if (s.selector == null) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
  const tmpl = s.template ?? {};
  if (s.selector != null && templateMatches(s.selector, tmpl.metadata?.labels) === false)
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(tmpl.metadata?.labels), NOT_MATCH));
  if (s.selector && Object.keys(s.selector.matchLabels ?? {}).length + (s.selector.matchExpressions ?? []).length === 0)
    errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(tmpl, 'spec.template'));
  if (tmpl.spec?.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', tmpl.spec?.restartPolicy ?? '', ['Always']));
  if (tmpl.spec?.activeDeadlineSeconds != null)
    errs.push(invalidValue('spec.template.spec.activeDeadlineSeconds', tmpl.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in DaemonSet is not Supported'));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  const us = s.updateStrategy ?? {};
  if (us.type === 'RollingUpdate') {
    const ru = us.rollingUpdate;
    const p = 'spec.updateStrategy.rollingUpdate';
    if (ru == null) errs.push(required(p));
    else {
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      errs.push(...validateNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validateNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
      const hasUnavailable = (intValue(ru.maxUnavailable) ?? 0) !== 0;
      const hasSurge = (intValue(ru.maxSurge) ?? 0) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalidIntOrString(`${p}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      else if (!hasUnavailable && !hasSurge) errs.push(required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
    }
  } else if (us.type !== 'OnDelete') {
    errs.push({
      type: 'FieldValueNotSupported',
      field: 'spec.updateStrategy',
      detail: `Unsupported value: ${goStrategy(us, 'DaemonSetUpdateStrategy', 'RollingUpdateDaemonSet')}: supported values: "RollingUpdate", "OnDelete"`,
    });
  }
  return errs;
}

export function validateDaemonSetUpdate(ds: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(ds.metadata, old.metadata), ...validateDaemonSet(ds).filter(notMetaName), ...selectorImmutable(ds, old)];
}

export function validateStatefulSet(sts: any): FieldError[] {
  return [...validateObjectMeta(sts.metadata, true, nameIsDNSLabel), ...validateStatefulSetSpec(sts.spec ?? {})];
}

function validateStatefulSetSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.podManagementPolicy) errs.push(required('spec.podManagementPolicy'));
  else if (!['OrderedReady', 'Parallel'].includes(s.podManagementPolicy))
    errs.push(invalidValue('spec.podManagementPolicy', s.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  const us = s.updateStrategy ?? {};
  if (!us.type) errs.push(required('spec.updateStrategy'));
  else if (us.type === 'OnDelete') {
    if (us.rollingUpdate != null) errs.push(invalidRendered('spec.updateStrategy.rollingUpdate', '&apps.RollingUpdateStatefulSetStrategy{...}', "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (us.type === 'RollingUpdate') {
    if (us.rollingUpdate?.partition != null) errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', us.rollingUpdate.partition));
  } else {
    errs.push(invalidRendered('spec.updateStrategy', `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(us.type)}}`, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const pol = s.persistentVolumeClaimRetentionPolicy;
  if (pol) {
    for (const f of ['whenDeleted', 'whenScaled'])
      if (!['Retain', 'Delete'].includes(pol[f])) errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, pol[f] ?? '', ['Retain', 'Delete']));
  }
  errs.push(...nonNegative('spec.replicas', s.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  if (s.ordinals?.start != null) errs.push(...nonNegative('spec.ordinals.start', s.ordinals.start));
  errs.push(...validateSelectorRequired(s.selector, 'spec.selector', 'statefulset'));
  const tmpl = s.template ?? {};
  if (s.selector != null && templateMatches(s.selector, tmpl.metadata?.labels) === false)
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(tmpl.metadata?.labels), NOT_MATCH));
  const claimNames = new Set<string>((s.volumeClaimTemplates ?? []).map((t: any) => t?.metadata?.name).filter(Boolean));
  errs.push(...validatePodTemplateSpec(tmpl, 'spec.template', { extraVolumeNames: claimNames }));
  if (tmpl.spec?.restartPolicy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', tmpl.spec?.restartPolicy ?? '', ['Always']));
  if (tmpl.spec?.activeDeadlineSeconds != null)
    errs.push(forbiddenField('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  return errs;
}

export function validateStatefulSetUpdate(sts: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sts.metadata, old.metadata), ...validateStatefulSetSpec(sts.spec ?? {})];
  const mutable = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];
  const strip = (spec: any) => Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !mutable.includes(k)));
  if (!jsonEqual(strip(sts.spec), strip(old.spec)))
    errs.push(
      forbiddenField(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  return errs;
}

// ---- batch ------------------------------------------------------------------------------

export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const JOB_LEGACY_NAME_LABEL = 'job-name';

function validateJobSpecCommon(s: any, path: string, isTemplate: boolean): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes'])
    errs.push(...nonNegative(`${path}.${f}`, s[f]));
  if (s.completionMode != null) {
    if (!['NonIndexed', 'Indexed'].includes(s.completionMode)) errs.push(notSupported(`${path}.completionMode`, s.completionMode, ['NonIndexed', 'Indexed']));
    if (s.completionMode === 'Indexed' && s.completions == null) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
  }
  if (s.podReplacementPolicy != null && !['TerminatingOrFailed', 'Failed'].includes(s.podReplacementPolicy))
    errs.push(notSupported(`${path}.podReplacementPolicy`, s.podReplacementPolicy, ['TerminatingOrFailed', 'Failed']));
  const tmpl = s.template ?? {};
  if (!isTemplate) {
    if (s.selector == null) errs.push(required(`${path}.selector`));
    else errs.push(...validateLabelSelector(s.selector, `${path}.selector`));
    if (templateMatches(s.selector, tmpl.metadata?.labels) === false && s.selector != null)
      errs.push(invalidRendered(`${path}.template.metadata.labels`, goStringMap(tmpl.metadata?.labels), NOT_MATCH));
  }
  errs.push(...validatePodTemplateSpec(tmpl, `${path}.template`));
  const rp = tmpl.spec?.restartPolicy;
  if (rp === 'Always' || !rp) errs.push(required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']));
  return errs;
}

export function validateJob(job: any): FieldError[] {
  const s = job.spec ?? {};
  const errs = [...validateObjectMeta(job.metadata, true, nameIsDNSSubdomain), ...validateJobSpecCommon(s, 'spec', false)];
  const uid = job.metadata?.uid;
  if (s.manualSelector !== true && uid && s.selector) {
    const want = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
    if (!jsonEqual({ matchLabels: s.selector.matchLabels ?? {}, ...(s.selector.matchExpressions?.length ? { matchExpressions: s.selector.matchExpressions } : {}) }, want))
      errs.push(invalidRendered('spec.selector', goLabelSelector(s.selector), '`selector` not auto-generated'));
  }
  return errs;
}

const SUSPENDED_MUTABLE_POD_FIELDS = ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates'];

export function validateJobUpdate(job: any, old: any): FieldError[] {
  const s = job.spec ?? {};
  const o = old.spec ?? {};
  const errs = [...validateObjectMetaUpdate(job.metadata, old.metadata), ...validateJobSpecCommon(s, 'spec', false)];
  errs.push(...selectorImmutable(job, old));
  if (!(s.completionMode === 'Indexed' && s.completions === s.parallelism)) errs.push(...immutable('spec.completions', s.completions ?? null, o.completions ?? null));
  errs.push(...immutable('spec.completionMode', s.completionMode ?? null, o.completionMode ?? null));
  if (!jsonEqual(s.podFailurePolicy, o.podFailurePolicy)) errs.push(invalidRendered('spec.podFailurePolicy', '&batch.PodFailurePolicy{...}', 'field is immutable'));
  // A suspended job that never started may change its scheduling directives.
  const mask = (t: any) => {
    const c = structuredClone(t ?? {});
    if (o.suspend && !old.status?.startTime) {
      if (c.metadata) {
        delete c.metadata.labels;
        delete c.metadata.annotations;
      }
      for (const f of SUSPENDED_MUTABLE_POD_FIELDS) if (c.spec) delete c.spec[f];
    }
    return c;
  };
  if (!jsonEqual(mask(s.template), mask(o.template))) errs.push(invalidRendered('spec.template', 'core.PodTemplateSpec{...}', 'field is immutable'));
  return errs;
}

const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Cron schedule as robfig/cron's ParseStandard accepts it (5 fields, macros, @every). */
export function scheduleError(schedule: string): string | undefined {
  let spec = schedule.trim();
  if (/^(CRON_)?TZ=/.test(spec)) {
    const i = spec.indexOf(' ');
    if (i < 0) return 'provided bad location ' + spec.slice(spec.indexOf('=') + 1) + ': unknown time zone';
    spec = spec.slice(i + 1).trim();
  }
  if (spec.startsWith('@')) {
    if (CRON_MACROS.includes(spec)) return undefined;
    if (spec.startsWith('@every ')) {
      const d = spec.slice(7).trim();
      return /^([0-9]*(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(d) && d !== '' ? undefined : `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(d)}`;
    }
    return `unrecognized descriptor: ${spec}`;
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  try {
    CronExpressionParser.parse(fields.join(' '));
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validateJobTemplate(jt: any, path: string): FieldError[] {
  const s = jt?.spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateLabels(jt?.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validateJobSpecCommon(s, `${path}.spec`, true));
  if (s.manualSelector === true) errs.push(notSupported(`${path}.spec.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(s: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.schedule) errs.push(required('spec.schedule'));
  else {
    const err = scheduleError(s.schedule);
    if (err) errs.push(invalidValue('spec.schedule', s.schedule, err));
    if (s.schedule.includes('TZ'))
      errs.push(
        invalidValue(
          'spec.schedule',
          s.schedule,
          s.timeZone != null ? 'cannot use both timeZone field and TZ or CRON_TZ in schedule' : 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
        ),
      );
  }
  if (s.timeZone != null) {
    if (s.timeZone === '' || !validTimeZone(s.timeZone) || s.timeZone.toLowerCase() === 'local')
      errs.push(invalidValue('spec.timeZone', s.timeZone, `unknown time zone ${s.timeZone}`));
  }
  errs.push(...nonNegative('spec.startingDeadlineSeconds', s.startingDeadlineSeconds));
  if (!['Allow', 'Forbid', 'Replace'].includes(s.concurrencyPolicy)) {
    if (!s.concurrencyPolicy) errs.push(required('spec.concurrencyPolicy'));
    else errs.push(notSupported('spec.concurrencyPolicy', s.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
  }
  errs.push(...validateJobTemplate(s.jobTemplate, 'spec.jobTemplate'));
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', s.successfulJobsHistoryLimit));
  errs.push(...nonNegative('spec.failedJobsHistoryLimit', s.failedJobsHistoryLimit));
  return errs;
}

export function validateCronJob(cj: any): FieldError[] {
  const errs = [...validateObjectMeta(cj.metadata, true, nameIsDNSSubdomain)];
  const name: string = cj.metadata?.name ?? '';
  // Job names get an 11-character suffix; they must stay DNS-1035 labels.
  if (name.length > 52) errs.push(invalidValue('metadata.name', name, 'must be no more than 52 characters'));
  errs.push(...validateCronJobSpec(cj.spec ?? {}));
  return errs;
}

export function validateCronJobUpdate(cj: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(cj.metadata, old.metadata), ...validateCronJobSpec(cj.spec ?? {})];
}

export function validatePodTemplateObject(pt: any): FieldError[] {
  return [...validateObjectMeta(pt.metadata, true, nameIsDNSSubdomain), ...validatePodTemplateSpec(pt.template, 'template')];
}

export function validateControllerRevision(cr: any): FieldError[] {
  const errs = [...validateObjectMeta(cr.metadata, true, nameIsDNSSubdomain)];
  if (cr.data == null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative('revision', cr.revision));
  return errs;
}

export function validateControllerRevisionUpdate(cr: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(cr.metadata, old.metadata), ...validateControllerRevision(cr).filter(notMetaName)];
  if (!jsonEqual(cr.data, old.data)) errs.push(invalidRendered('data', 'runtime.RawExtension{...}', 'field is immutable'));
  return errs;
}
