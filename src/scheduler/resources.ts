// Resource arithmetic for scheduling: quantities, a pod's effective requests (init containers,
// sidecars and overhead counted as upstream's resourcehelper.PodRequests) and node allocatable.
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';

/** Requests/allocatable in scheduler units: CPU in millicores, everything else in base units. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (example.com/gpu, hugepages-2Mi, …), only when non-empty. */
  scalar?: Record<string, number>;
}

/** Defaults used for scoring when a container requests nothing (upstream's non-zero requests). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};
const QUANTITY_RE = /^([+-]?[0-9.]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/;
const parsed = new Map<string, number>();

/** A Kubernetes quantity as a plain number of base units (NaN when malformed). */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === 'number') return q;
  let v = parsed.get(q);
  if (v !== undefined) return v;
  const m = QUANTITY_RE.exec(q.trim());
  if (!m) v = NaN;
  else {
    const suffix = m[2] ?? '';
    const mult = /^[eE][-+]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
    v = Number(m[1]) * (mult ?? NaN);
  }
  if (parsed.size < 10_000) parsed.set(q, v);
  return v;
}

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0 };
}

export function cloneResource(r: Resource): Resource {
  const c: Resource = { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage };
  if (r.scalar) c.scalar = { ...r.scalar };
  return c;
}

export function addResource(into: Resource, r: Resource, sign = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  if (r.scalar) {
    const s = (into.scalar ??= {});
    for (const k in r.scalar) s[k] = (s[k] ?? 0) + sign * r.scalar[k];
  }
}

function maxInto(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  if (r.scalar) {
    const s = (into.scalar ??= {});
    for (const k in r.scalar) s[k] = Math.max(s[k] ?? 0, r.scalar[k]);
  }
}

/** Resources the scheduler ignores as "extended" (handled elsewhere or not resources at all). */
function isExtended(name: string): boolean {
  return name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods';
}

/** Converts a ResourceList (requests, allocatable, overhead) into a Resource. */
export function resourceFromList(list: Record<string, string | number> | undefined): Resource {
  const r = emptyResource();
  if (!list) return r;
  for (const name in list) {
    const v = parseQuantity(list[name]);
    if (!Number.isFinite(v)) continue;
    if (name === 'cpu') r.milliCPU = Math.ceil(v * 1000 - 1e-9);
    else if (name === 'memory') r.memory = v;
    else if (name === 'ephemeral-storage') r.ephemeralStorage = v;
    else if (isExtended(name)) (r.scalar ??= {})[name] = v;
  }
  return r;
}

/** A container's requests; a limit without a request counts as the request (API defaulting). */
function containerRequests(c: Container, nonZero: boolean): Resource {
  const req = c.resources?.requests;
  const lim = c.resources?.limits;
  const merged = lim ? { ...lim, ...(req ?? {}) } : req;
  const r = resourceFromList(merged as Record<string, string> | undefined);
  if (nonZero) {
    if (!merged || merged.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!merged || merged.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * Effective pod requests: max(sum(containers) + sum(sidecars), max over init containers of
 * (init request + sidecars started before it)) + overhead. With nonZero, containers that
 * request no cpu/memory count the scoring defaults (100m, 200Mi).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const reqs = emptyResource();
  if (!spec) return reqs;
  for (const c of spec.containers ?? []) addResource(reqs, containerRequests(c, nonZero));
  if (spec.initContainers?.length) {
    const sidecars = emptyResource();
    const initMax = emptyResource();
    for (const ic of spec.initContainers) {
      const cr = containerRequests(ic, nonZero);
      if (ic.restartPolicy === 'Always') {
        addResource(reqs, cr);
        addResource(sidecars, cr);
        maxInto(initMax, sidecars);
      } else {
        addResource(cr, sidecars);
        maxInto(initMax, cr);
      }
    }
    maxInto(reqs, initMax);
  }
  if (spec.overhead) addResource(reqs, resourceFromList(spec.overhead as Record<string, string>));
  return reqs;
}

export interface NodeCapacity {
  allocatable: Resource;
  allowedPods: number;
}

/** Node allocatable (falling back to capacity, as the kubelet reports both). */
export function nodeAllocatable(node: Node): NodeCapacity {
  const list = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, string>;
  const pods = parseQuantity(list.pods);
  return { allocatable: resourceFromList(list), allowedPods: Number.isFinite(pods) && list.pods !== undefined ? pods : 110 };
}
