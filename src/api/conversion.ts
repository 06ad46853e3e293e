// Conversion between legacy served versions and the stored version of a kind:
// batch/v1beta1 CronJob, autoscaling/v1 and v2beta2 HPA, networking.k8s.io/v1beta1 and
// extensions/v1beta1 Ingress. Objects already in the stored version pass through.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { apiVersionOf, findByKind, LEGACY_ALIASES, parseApiVersion, RESOURCES } from './registry.js';

type Obj = any;

function storedApiVersion(apiVersion: string, kind: string): string | undefined {
  const { group } = parseApiVersion(apiVersion);
  const direct = findByKind(group, kind);
  if (direct) return apiVersionOf(direct);
  const alias = LEGACY_ALIASES.find((a) => a.group === group && a.kind === kind);
  if (alias) return apiVersionOf(alias.target);
  const any = RESOURCES.find((r) => r.kind === kind);
  return any ? apiVersionOf(any) : undefined;
}

// ---- HorizontalPodAutoscaler -----------------------------------------------------------

function hpaV1ToV2(o: Obj): Obj {
  const out = structuredClone(o);
  const spec = out.spec ?? {};
  const pct = spec.targetCPUUtilizationPercentage;
  delete spec.targetCPUUtilizationPercentage;
  if (pct != null) spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: pct } } }];
  if (out.status) {
    const cur = out.status.currentCPUUtilizationPercentage;
    delete out.status.currentCPUUtilizationPercentage;
    if (cur != null) out.status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cur } } }];
  }
  return out;
}

function hpaV2ToV1(o: Obj): Obj {
  const out = structuredClone(o);
  const spec = out.spec ?? {};
  const cpu = (spec.metrics ?? []).find(
    (m: Obj) => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization',
  );
  delete spec.metrics;
  delete spec.behavior;
  if (cpu) spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
  if (out.status) {
    const cur = (out.status.currentMetrics ?? []).find((m: Obj) => m?.type === 'Resource' && m.resource?.name === 'cpu');
    delete out.status.currentMetrics;
    delete out.status.conditions;
    if (cur?.resource?.current?.averageUtilization != null) out.status.currentCPUUtilizationPercentage = cur.resource.current.averageUtilization;
  }
  return out;
}

// ---- Ingress ----------------------------------------------------------------------------

function backendToV1(b: Obj): Obj {
  if (!b || typeof b !== 'object') return b;
  if (b.resource) return { resource: b.resource };
  if (b.service) return { service: b.service };
  const out: Obj = {};
  // Lenient: accept serviceName with a v1-style `port: {number|name}` (seen in manifests in the wild).
  const port = b.servicePort ?? b.port?.number ?? b.port?.name;
  if (b.serviceName !== undefined) {
    out.service = { name: b.serviceName };
    if (typeof port === 'number') out.service.port = { number: port };
    else if (typeof port === 'string' && /^\d+$/.test(port)) out.service.port = { number: Number(port) };
    else if (typeof port === 'string' && port) out.service.port = { name: port };
  }
  return out;
}

function backendToV1beta1(b: Obj): Obj {
  if (!b || typeof b !== 'object') return b;
  if (b.resource) return { resource: b.resource };
  const svc = b.service ?? {};
  const out: Obj = { serviceName: svc.name };
  if (svc.port?.name) out.servicePort = svc.port.name;
  else if (svc.port?.number != null) out.servicePort = svc.port.number;
  return out;
}

function ingressToV1(o: Obj): Obj {
  const out = structuredClone(o);
  const spec = out.spec ?? {};
  if (spec.backend) {
    spec.defaultBackend = backendToV1(spec.backend);
    delete spec.backend;
  }
  for (const r of spec.rules ?? []) {
    for (const p of r?.http?.paths ?? []) {
      if (!p) continue;
      p.pathType ||= 'ImplementationSpecific';
      p.backend = backendToV1(p.backend);
    }
  }
  return out;
}

function ingressToV1beta1(o: Obj): Obj {
  const out = structuredClone(o);
  const spec = out.spec ?? {};
  if (spec.defaultBackend) {
    spec.backend = backendToV1beta1(spec.defaultBackend);
    delete spec.defaultBackend;
  }
  for (const r of spec.rules ?? []) for (const p of r?.http?.paths ?? []) if (p) p.backend = backendToV1beta1(p.backend);
  return out;
}

/** A legacy (or current) wire object → the stored version. Returns a new object when converted. */
export function convertToStored(apiVersion: string, kind: string, obj: Obj): Obj {
  const target = storedApiVersion(apiVersion, kind);
  if (!target || target === apiVersion) return obj;
  let out: Obj;
  if (kind === 'HorizontalPodAutoscaler' && apiVersion === 'autoscaling/v1') out = hpaV1ToV2(obj);
  else if (kind === 'Ingress') out = ingressToV1(obj);
  else out = structuredClone(obj); // same shape (batch/v1beta1 CronJob, autoscaling/v2beta2 HPA)
  out.apiVersion = target;
  return out;
}

/** A stored object → the version the client asked for. Returns a new object when converted. */
export function convertFromStored(targetApiVersion: string, kind: string, obj: Obj): Obj {
  const stored = storedApiVersion(targetApiVersion, kind);
  if (!stored || stored === targetApiVersion) return obj;
  let out: Obj;
  if (kind === 'HorizontalPodAutoscaler' && targetApiVersion === 'autoscaling/v1') out = hpaV2ToV1(obj);
  else if (kind === 'Ingress') out = ingressToV1beta1(obj);
  else out = structuredClone(obj);
  out.apiVersion = targetApiVersion;
  return out;
}
