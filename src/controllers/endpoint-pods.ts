// Which pods back a Service and on which port (upstream endpointutil / podutil.FindPort),
// shared by the Endpoints and EndpointSlice controllers.
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { findByKind, type ResourceType } from '../api/registry.js';
import { isPodReady } from './pod-readiness.js';

function must(group: string, kind: string): ResourceType {
  const rt = findByKind(group, kind);
  if (!rt) throw new Error(`resource ${kind}.${group} missing from the registry`);
  return rt;
}

export const SERVICES = must('', 'Service');
export const ENDPOINTS = must('', 'Endpoints');
export const ENDPOINT_SLICES = must('discovery.k8s.io', 'EndpointSlice');

/** A selector map that selects pods; nil or empty means "no selector" (manual endpoints). */
export function serviceSelects(svc: Service): boolean {
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0 && svc.spec.type !== 'ExternalName';
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (l[k] !== v) return false;
  return true;
}

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The pod's IPv4 address, if it has one. */
export function podIPv4(pod: Pod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find((ip): ip is string => !!ip && !ip.includes(':'));
}

/** Upstream ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless tolerated. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!podIPv4(pod)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** A pod gets a DNS hostname under the service when its subdomain names that service. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/** The container port a service port targets on this pod (named targetPorts resolve per pod). */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const proto = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

export { isPodReady };
