// Pod and PodSpec validation (upstream core/validation ValidatePod*/validateContainers/...),
// covering the fields users commonly get wrong, with upstream's field paths and messages.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { duplicate, type FieldError, forbiddenField, invalidValue, notSupported, required } from '../errors.js';
import { validateAnnotations, validateLabels } from '../labels.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue as isValidLabelValueMsgs, nameIsDNSSubdomain } from '../names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../objectmeta.js';
import { formatQuantity, parseQuantity, tryParseQuantity, validateQuantity } from '../quantity.js';
import { volumeSourceKeys } from '../defaults/pod.js';
import {
  invalidEach, isEnvVarName, isValidPortName, jsonEqual, nonNegative, notFound, portNumberMsgs, validatePortNumber,
} from './field.js';

export interface PodSpecOptions {
  /** Volume names that exist besides spec.volumes (StatefulSet volumeClaimTemplates). */
  extraVolumeNames?: Set<string>;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const FIELD_REF_PATHS = [
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid',
  'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const RESOURCE_FIELD_REFS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Upstream validateResourceRequirements for a container. */
export function validateResources(res: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!res) return errs;
  const limits: Record<string, unknown> = res.limits ?? {};
  const requests: Record<string, unknown> = res.requests ?? {};
  const checkName = (name: string, p: string) => {
    if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-')) return;
    if (!name.includes('/')) errs.push(invalidValue(p, name, 'must be a standard resource for containers'));
    else errs.push(...invalidEach(p, name, isQualifiedName(name)));
  };
  for (const [name, q] of Object.entries(limits)) {
    const p = `${path}.limits[${name}]`;
    checkName(name, p);
    const qerr = validateQuantity(p, q);
    if (qerr.length) errs.push(...qerr);
    else if (parseQuantity(q as string).nanos < 0n) errs.push(invalidValue(p, String(q), 'must be greater than or equal to 0'));
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = `${path}.requests[${name}]`;
    checkName(name, p);
    const qerr = validateQuantity(p, q);
    if (qerr.length) {
      errs.push(...qerr);
      continue;
    }
    const req = parseQuantity(q as string);
    if (req.nanos < 0n) errs.push(invalidValue(p, String(q), 'must be greater than or equal to 0'));
    const lim = tryParseQuantity(limits[name]);
    const overcommit = isNativeResource(name) && !name.startsWith('hugepages-');
    if (lim) {
      if (!overcommit && req.nanos !== lim.nanos)
        errs.push(invalidValue(`${path}.requests`, formatQuantity(req), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      else if (req.nanos > lim.nanos)
        errs.push(invalidValue(`${path}.requests`, formatQuantity(req), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
    } else if (!overcommit) {
      errs.push(required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

function validatePortNumOrName(v: unknown, path: string): FieldError[] {
  if (typeof v === 'number') return invalidEach(path, v, portNumberMsgs(v));
  if (typeof v === 'string') return invalidEach(path, v, isValidPortName(v));
  return [invalidValue(path, v, 'must contain at least one letter or number (a-z, 0-9)')];
}

function validateHandler(h: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const kinds = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'].filter((k) => h?.[k] != null);
  if (kinds.length === 0) return [required(path, 'must specify a handler type')];
  for (const k of kinds.slice(1)) errs.push(forbiddenField(`${path}.${k}`, 'may not specify more than 1 handler type'));
  if (h.exec && !(h.exec.command ?? []).length) errs.push(required(`${path}.exec.command`));
  if (h.httpGet) {
    errs.push(...validatePortNumOrName(h.httpGet.port, `${path}.httpGet.port`));
    if (h.httpGet.scheme && !['HTTP', 'HTTPS'].includes(h.httpGet.scheme)) errs.push(notSupported(`${path}.httpGet.scheme`, h.httpGet.scheme, ['HTTP', 'HTTPS']));
  }
  if (h.tcpSocket) errs.push(...validatePortNumOrName(h.tcpSocket.port, `${path}.tcpSocket.port`));
  if (h.grpc) errs.push(...validatePortNumber(`${path}.grpc.port`, h.grpc.port));
  return errs;
}

function validateProbe(p: any, path: string, mustSucceedOnce: boolean): FieldError[] {
  if (!p) return [];
  const errs = validateHandler(p, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'])
    errs.push(...nonNegative(`${path}.${f}`, p[f]));
  if (mustSucceedOnce && p.successThreshold !== undefined && p.successThreshold !== 1)
    errs.push(invalidValue(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0)
    errs.push(invalidValue(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0'));
  return errs;
}

function validateKeySelector(s: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${path}.name`));
  if (!s.key) errs.push(required(`${path}.key`));
  else if (!/^[-._a-zA-Z0-9]+$/.test(s.key)) errs.push(invalidValue(`${path}.key`, s.key, configKeyMsg()));
  return errs;
}

export function configKeyMsg(): string {
  return "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
}

function validateEnv(env: any[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (env ?? []).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!e?.name) errs.push(required(`${p}.name`));
    else errs.push(...invalidEach(`${p}.name`, e.name, isEnvVarName(e.name)));
    const vf = e?.valueFrom;
    if (!vf) return;
    const srcs = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'fileKeyRef'].filter((k) => vf[k] != null);
    if (e.value) errs.push(invalidValue(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    if (srcs.length === 0) errs.push(invalidValue(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (srcs.length > 1) errs.push(invalidValue(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
    if (vf.fieldRef) {
      const fp = vf.fieldRef.fieldPath;
      const fpp = `${p}.valueFrom.fieldRef.fieldPath`;
      if (!fp) errs.push(required(fpp));
      else if (/^metadata\.(labels|annotations)\['.+'\]$/.test(fp)) {
        /* subscripted labels/annotations are allowed */
      } else if (!FIELD_REF_PATHS.includes(fp) || fp === 'metadata.labels' || fp === 'metadata.annotations')
        errs.push(notSupported(fpp, fp, FIELD_REF_PATHS.filter((x) => x !== 'metadata.labels' && x !== 'metadata.annotations')));
    }
    if (vf.resourceFieldRef) {
      const r = vf.resourceFieldRef.resource;
      const rp = `${p}.valueFrom.resourceFieldRef.resource`;
      if (!r) errs.push(required(rp));
      else if (!RESOURCE_FIELD_REFS.includes(r) && !/^(limits|requests)\.hugepages-/.test(r)) errs.push(notSupported(rp, r, RESOURCE_FIELD_REFS));
    }
    if (vf.configMapKeyRef) errs.push(...validateKeySelector(vf.configMapKeyRef, `${p}.valueFrom.configMapKeyRef`));
    if (vf.secretKeyRef) errs.push(...validateKeySelector(vf.secretKeyRef, `${p}.valueFrom.secretKeyRef`));
  });
  return errs;
}

function validateEnvFrom(envFrom: any[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (envFrom ?? []).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (e?.prefix) errs.push(...invalidEach(`${p}.prefix`, e.prefix, isEnvVarName(e.prefix)));
    const n = (e?.configMapRef ? 1 : 0) + (e?.secretRef ? 1 : 0);
    if (n === 0) errs.push(invalidValue(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (n > 1) errs.push(invalidValue(p, '', 'may not have more than one field specified at a time'));
    if (e?.configMapRef && !e.configMapRef.name) errs.push(required(`${p}.configMapRef.name`));
    if (e?.secretRef && !e.secretRef.name) errs.push(required(`${p}.secretRef.name`));
  });
  return errs;
}

function validateRelativePath(v: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (v.startsWith('/')) errs.push(invalidValue(path, v, 'must be a relative path'));
  if (v.split('/').includes('..')) errs.push(invalidValue(path, v, "must not contain '..'"));
  return errs;
}

function validateVolumeMounts(mounts: any[] | undefined, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seenPaths = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!m?.name) errs.push(required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(notFound(`${p}.name`, m.name));
    if (!m?.mountPath) errs.push(required(`${p}.mountPath`));
    else {
      if (seenPaths.has(m.mountPath)) errs.push(invalidValue(`${p}.mountPath`, m.mountPath, 'must be unique'));
      seenPaths.add(m.mountPath);
    }
    if (m?.subPath) errs.push(...validateRelativePath(m.subPath, `${p}.subPath`));
    if (m?.subPath && m?.subPathExpr) errs.push(invalidValue(`${p}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
  });
  return errs;
}

function validateContainer(c: any, path: string, volumes: Set<string>, names: Set<string>, hostNetwork: boolean, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c || typeof c !== 'object') return [required(path)];
  if (!c.name) errs.push(required(`${path}.name`));
  else {
    errs.push(...invalidEach(`${path}.name`, c.name, isDNS1123Label(c.name)));
    if (names.has(c.name)) errs.push(duplicate(`${path}.name`, c.name));
    names.add(c.name);
  }
  if (!c.image || String(c.image).trim() === '') errs.push(required(`${path}.image`));
  else if (c.image !== String(c.image).trim()) errs.push(invalidValue(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (c.imagePullPolicy && !PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  if (c.terminationMessagePolicy && !TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy))
    errs.push(notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port: any, i: number) => {
    const p = `${path}.ports[${i}]`;
    if (port?.name) {
      errs.push(...invalidEach(`${p}.name`, port.name, isValidPortName(port.name)));
      if (portNames.has(port.name)) errs.push(duplicate(`${p}.name`, port.name));
      portNames.add(port.name);
    }
    if (!port?.containerPort) errs.push(required(`${p}.containerPort`));
    else errs.push(...validatePortNumber(`${p}.containerPort`, port.containerPort));
    if (port?.hostPort) {
      errs.push(...validatePortNumber(`${p}.hostPort`, port.hostPort));
      if (hostNetwork && port.hostPort !== port.containerPort)
        errs.push(invalidValue(`${p}.hostPort`, port.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
    }
    if (!port?.protocol) errs.push(required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  const sidecar = init && c.restartPolicy === 'Always';
  if (init && !sidecar) {
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'])
      if (c[f]) errs.push(forbiddenField(`${path}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
    if (c.lifecycle?.postStart) errs.push(...validateHandler(c.lifecycle.postStart, `${path}.lifecycle.postStart`));
    if (c.lifecycle?.preStop) errs.push(...validateHandler(c.lifecycle.preStop, `${path}.lifecycle.preStop`));
  }
  if (c.restartPolicy !== undefined) {
    if (!init) errs.push(forbiddenField(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    else if (c.restartPolicy !== 'Always') errs.push(notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  return errs;
}

function validateMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777
    ? []
    : [invalidValue(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive')];
}

function validateKeyToPaths(items: any[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((it, i) => {
    const p = `${path}[${i}]`;
    if (!it?.key) errs.push(required(`${p}.key`));
    if (!it?.path) errs.push(required(`${p}.path`));
    else errs.push(...validateRelativePath(it.path, `${p}.path`));
    errs.push(...validateMode(it?.mode, `${p}.mode`));
  });
  return errs;
}

/** Validate one volume source of a pod volume (or PV spec, with `pv` true). */
export function validateVolumeSource(v: any, path: string, pv = false): FieldError[] {
  const errs: FieldError[] = [];
  const srcs = volumeSourceKeys(v);
  if (srcs.length === 0) errs.push(required(path, 'must specify a volume type'));
  for (const k of srcs.slice(1)) errs.push(forbiddenField(`${path}.${k}`, 'may not specify more than 1 volume type'));
  if (v.hostPath) {
    if (!v.hostPath.path) errs.push(required(`${path}.hostPath.path`));
    if (v.hostPath.type != null && !HOST_PATH_TYPES.includes(v.hostPath.type)) errs.push(notSupported(`${path}.hostPath.type`, v.hostPath.type, HOST_PATH_TYPES));
  }
  if (v.emptyDir) {
    const medium = v.emptyDir.medium ?? '';
    if (!['', 'Memory', 'HugePages'].includes(medium) && !medium.startsWith('HugePages-'))
      errs.push(notSupported(`${path}.emptyDir.medium`, medium, ['', 'Memory', 'HugePages']));
    if (v.emptyDir.sizeLimit !== undefined) errs.push(...validateQuantity(`${path}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit));
  }
  if (v.secret) {
    if (!pv && !v.secret.secretName) errs.push(required(`${path}.secret.secretName`));
    errs.push(...validateMode(v.secret.defaultMode, `${path}.secret.defaultMode`));
    errs.push(...validateKeyToPaths(v.secret.items, `${path}.secret.items`));
  }
  if (v.configMap) {
    if (!v.configMap.name) errs.push(required(`${path}.configMap.name`));
    errs.push(...validateMode(v.configMap.defaultMode, `${path}.configMap.defaultMode`));
    errs.push(...validateKeyToPaths(v.configMap.items, `${path}.configMap.items`));
  }
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(required(`${path}.persistentVolumeClaim.claimName`));
  if (v.nfs) {
    if (!v.nfs.server) errs.push(required(`${path}.nfs.server`));
    if (!v.nfs.path) errs.push(required(`${path}.nfs.path`));
    else if (!String(v.nfs.path).startsWith('/')) errs.push(invalidValue(`${path}.nfs.path`, v.nfs.path, 'must be an absolute path'));
  }
  if (v.local) {
    if (!v.local.path) errs.push(required(`${path}.local.path`));
  }
  if (v.downwardAPI) errs.push(...validateMode(v.downwardAPI.defaultMode, `${path}.downwardAPI.defaultMode`));
  if (v.projected) errs.push(...validateMode(v.projected.defaultMode, `${path}.projected.defaultMode`));
  if (v.csi && !v.csi.driver) errs.push(required(`${path}.csi.driver`));
  return errs;
}

function validateVolumes(volumes: any[] | undefined, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v?.name) errs.push(required(`${p}.name`));
    else {
      errs.push(...invalidEach(`${p}.name`, v.name, isDNS1123Label(v.name)));
      if (names.has(v.name)) errs.push(duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    if (v) errs.push(...validateVolumeSource(v, p));
  });
  return { errs, names };
}

export function validateTolerations(tolerations: any[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t?.key) errs.push(...invalidEach(`${p}.key`, t.key, isQualifiedName(t.key)));
    if (!t?.key && t?.operator !== 'Exists') errs.push(invalidValue(`${p}.operator`, t?.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t?.tolerationSeconds != null && t.effect !== 'NoExecute')
      errs.push(invalidValue(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    switch (t?.operator) {
      case undefined:
      case '':
      case 'Equal':
        if (t?.value) errs.push(...invalidEach(`${p}.value`, t.value, isValidLabelValueMsgs(t.value)));
        break;
      case 'Exists':
        if (t.value) errs.push(invalidValue(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t?.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

/** Upstream ValidatePodSpec (the commonly exercised parts). */
export function validatePodSpec(spec: any, path: string, opts: PodSpecOptions = {}): FieldError[] {
  if (!spec || typeof spec !== 'object') return [required(path)];
  const errs: FieldError[] = [];
  const { errs: volErrs, names: volNames } = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...volErrs);
  for (const n of opts.extraVolumeNames ?? []) volNames.add(n);
  const containerNames = new Set<string>();
  const hostNetwork = !!spec.hostNetwork;
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) errs.push(required(`${path}.containers`));
  (spec.initContainers ?? []).forEach((c: any, i: number) =>
    errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, volNames, containerNames, hostNetwork, true)),
  );
  (spec.containers ?? []).forEach((c: any, i: number) =>
    errs.push(...validateContainer(c, `${path}.containers[${i}]`, volNames, containerNames, hostNetwork, false)),
  );
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy))
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.serviceAccountName) errs.push(...invalidEach(`${path}.serviceAccountName`, spec.serviceAccountName, nameIsDNSSubdomain(spec.serviceAccountName, false)));
  if (spec.nodeName) errs.push(...invalidEach(`${path}.nodeName`, spec.nodeName, nameIsDNSSubdomain(spec.nodeName, false)));
  if (spec.hostname) errs.push(...invalidEach(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname)));
  if (spec.subdomain) errs.push(...invalidEach(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain)));
  if (spec.priorityClassName) errs.push(...invalidEach(`${path}.priorityClassName`, spec.priorityClassName, isDNS1123Subdomain(spec.priorityClassName)));
  if (spec.activeDeadlineSeconds != null) {
    const v = spec.activeDeadlineSeconds;
    if (!Number.isInteger(v) || v < 1 || v > 2147483647) errs.push(invalidValue(`${path}.activeDeadlineSeconds`, v, 'must be between 1 and 2147483647, inclusive'));
  }
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  (spec.imagePullSecrets ?? []).forEach((s: any, i: number) => {
    if (!s?.name) errs.push(required(`${path}.imagePullSecrets[${i}].name`));
  });
  return errs;
}

/** A PodTemplateSpec: labels/annotations plus the spec. */
export function validatePodTemplateSpec(t: any, path: string, opts: PodSpecOptions = {}): FieldError[] {
  if (!t) return [required(path)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(t.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(t.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(t.spec, `${path}.spec`, opts));
  return errs;
}

export function validatePod(pod: any): FieldError[] {
  return [...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain), ...validatePodSpec(pod.spec, 'spec')];
}

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Names of the spec fields that differ (a short stand-in for upstream's struct diff). */
function changedFields(a: any, b: any): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => !jsonEqual(a?.[k], b?.[k])).sort();
}

export function validatePodUpdate(pod: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pod.metadata, old.metadata), ...validatePodSpec(pod.spec, 'spec')];
  const spec = pod.spec ?? {};
  const oldSpec = old.spec ?? {};
  if (oldSpec.activeDeadlineSeconds != null) {
    if (spec.activeDeadlineSeconds == null)
      errs.push(invalidValue('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    else if (spec.activeDeadlineSeconds > oldSpec.activeDeadlineSeconds)
      errs.push(invalidValue('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be less than or equal to previous value'));
  }
  // Compare with the mutable fields masked out, as upstream does.
  const munged = structuredClone(spec);
  const mask = (cs: any[] | undefined, olds: any[] | undefined) =>
    (cs ?? []).forEach((c, i) => {
      if (c && olds?.[i]) c.image = olds[i].image;
    });
  mask(munged.containers, oldSpec.containers);
  mask(munged.initContainers, oldSpec.initContainers);
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  if (munged.activeDeadlineSeconds === undefined) delete munged.activeDeadlineSeconds;
  const oldTol: any[] = oldSpec.tolerations ?? [];
  const newTol: any[] = spec.tolerations ?? [];
  if (oldTol.every((t) => newTol.some((n) => jsonEqual(n, t)))) {
    if (oldSpec.tolerations === undefined) delete munged.tolerations;
    else munged.tolerations = oldSpec.tolerations;
  }
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 && spec.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  if (!jsonEqual(munged, oldSpec)) {
    const diff = changedFields(munged, oldSpec).map((f) => `spec.${f}`).join(', ');
    errs.push(forbiddenField('spec', `${POD_UPDATE_MESSAGE}\n  changed: ${diff}`));
  }
  return errs;
}
