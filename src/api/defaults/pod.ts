// Pod and pod-template defaulting, as upstream's SetDefaults_PodSpec/Container/Probe/Volume
// (templates) plus SetDefaults_Pod and the admission defaults applied to real pods only
// (service account, default tolerations, priority).
/* eslint-disable @typescript-eslint/no-explicit-any */

const DEFAULT_MODE = 420; // 0644

function imageTag(image: string | undefined): string {
  // Upstream ParseImageName: no tag and no digest → "latest"; a digest alone → no tag.
  const img = image ?? '';
  const at = img.indexOf('@');
  const name = at >= 0 ? img.slice(0, at) : img;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultHttpGet(h: any): void {
  if (!h) return;
  if (h.path === undefined || h.path === '') h.path = '/';
  if (!h.scheme) h.scheme = 'HTTP';
}

function defaultProbe(p: any): void {
  if (!p) return;
  // Upstream's probe fields are plain ints: 0 (or unset) takes the default.
  p.timeoutSeconds ||= 1;
  p.periodSeconds ||= 10;
  p.successThreshold ||= 1;
  p.failureThreshold ||= 3;
  defaultHttpGet(p.httpGet);
  if (p.grpc && p.grpc.service === undefined) p.grpc.service = '';
}

function defaultLifecycleHandler(h: any): void {
  if (h) defaultHttpGet(h.httpGet);
}

function defaultEnvVarSources(env: any[] | undefined): void {
  for (const e of env ?? []) {
    if (e?.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= 'v1';
    if (e?.valueFrom?.resourceFieldRef) e.valueFrom.resourceFieldRef.divisor ??= '0';
  }
}

export function defaultContainer(c: any): void {
  if (!c || typeof c !== 'object') return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  for (const p of c.ports ?? []) if (p && !p.protocol) p.protocol = 'TCP';
  defaultEnvVarSources(c.env);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultLifecycleHandler(c.lifecycle?.postStart);
  defaultLifecycleHandler(c.lifecycle?.preStop);
}

const VOLUME_SOURCES = [
  // upstream's order: the second source found is the one reported as extra
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

/** The volume source keys an object (pod volume or PV spec) sets. */
export function volumeSourceKeys(v: any, candidates: string[] = VOLUME_SOURCES): string[] {
  return candidates.filter((k) => v?.[k] !== undefined && v[k] !== null);
}

export function defaultVolume(v: any): void {
  if (!v || typeof v !== 'object') return;
  if (volumeSourceKeys(v).length === 0) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= DEFAULT_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_MODE;
    for (const it of v.downwardAPI.items ?? []) if (it?.fieldRef) it.fieldRef.apiVersion ||= 'v1';
  }
  if (v.projected) {
    v.projected.defaultMode ??= DEFAULT_MODE;
    for (const s of v.projected.sources ?? []) {
      if (s?.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
      for (const it of s?.downwardAPI?.items ?? []) if (it?.fieldRef) it.fieldRef.apiVersion ||= 'v1';
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.iscsi) v.iscsi.iscsiInterface ||= 'default';
  if (v.ephemeral?.volumeClaimTemplate?.spec) v.ephemeral.volumeClaimTemplate.spec.volumeMode ||= 'Filesystem';
}

/** Defaults for a PodSpec wherever it appears (pods and every workload template). */
export function defaultPodSpec(spec: any): void {
  if (!spec || typeof spec !== 'object') return;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  if (spec.hostNetwork) {
    // Host-network pods listen on the host: hostPort mirrors containerPort.
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])])
      for (const p of c?.ports ?? []) if (p && !p.hostPort) p.hostPort = p.containerPort;
  }
}

/** A PodTemplateSpec inside a workload. */
export function defaultPodTemplate(t: any): void {
  if (!t || typeof t !== 'object') return;
  t.spec ??= {};
  defaultPodSpec(t.spec);
}

const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

function tolerates(tolerations: any[], key: string): boolean {
  return tolerations.some(
    (t) => (t?.key === key || !t?.key) && (!t?.effect || t.effect === 'NoExecute'),
  );
}

const SYSTEM_PRIORITIES: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

/** Defaults for a Pod object: the PodSpec defaults plus what only real pods get. */
export function defaultPod(pod: any): void {
  pod.spec ??= {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  spec.enableServiceLinks ??= true;
  // Requests default to limits, per container (upstream SetDefaults_Pod).
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const limits = c?.resources?.limits;
    if (!limits) continue;
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(limits)) if (c.resources.requests[k] === undefined) c.resources.requests[k] = v;
  }
  // ServiceAccount admission: every pod runs as a service account.
  if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
  spec.serviceAccount = spec.serviceAccountName;
  // DefaultTolerationSeconds admission.
  spec.tolerations ??= [];
  if (!tolerates(spec.tolerations, NOT_READY))
    spec.tolerations.push({ key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  if (!tolerates(spec.tolerations, UNREACHABLE))
    spec.tolerations.push({ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  // Priority admission (classes other than the system ones are resolved by the API server).
  if (!spec.priorityClassName) spec.priority ??= 0;
  else if (spec.priorityClassName in SYSTEM_PRIORITIES) spec.priority ??= SYSTEM_PRIORITIES[spec.priorityClassName];
  if (spec.priority !== undefined) spec.preemptionPolicy ||= 'PreemptLowerPriority';
}
