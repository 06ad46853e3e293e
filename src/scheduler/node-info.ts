// NodeInfo: one node with the pods on it and their summed requests, kept up to date
// incrementally by the cache; plugins read it, never the API.
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { hasAffinity, type HostPort, type PodInfo } from './pod-info.js';
import { addResource, cloneResource, emptyResource, nodeAllocatable, type Resource } from './resources.js';

export class NodeInfo {
  node?: Node;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested: Resource = emptyResource();
  nonZeroRequested: Resource = emptyResource();
  allocatable: Resource = emptyResource();
  allowedPods = 0;
  /** host ports in use: "proto/port" -> IPs. */
  usedPorts = new Map<string, string[]>();
  /** Bumped by the cache on every change, so snapshots copy only changed nodes. */
  generation = 0;
  /**
   * Effective taints of `node`, cached here by TaintToleration (see nodeTaints): filters run for
   * every pod × node, and reading them off this object avoids touching the big Node object.
   */
  taintsOf?: Node;
  taints: Taint[] = [];

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  get name(): string {
    return this.node?.metadata?.name ?? '';
  }

  setNode(node: Node): void {
    this.node = node;
    const cap = nodeAllocatable(node);
    this.allocatable = cap.allocatable;
    this.allowedPods = cap.allowedPods;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (hasAffinity(pi)) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  /** Removes the pod with this key; false if it was not here. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const pi = this.pods[i];
    this.pods.splice(i, 1);
    const drop = (list: PodInfo[]) => {
      const j = list.findIndex((p) => p.key === key);
      if (j >= 0) list.splice(j, 1);
    };
    drop(this.podsWithAffinity);
    drop(this.podsWithRequiredAntiAffinity);
    this.account(pi, -1);
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    addResource(this.requested, pi.requests, sign);
    addResource(this.nonZeroRequested, pi.nonZeroRequests, sign);
    for (const hp of pi.hostPorts) {
      const k = `${hp.protocol}/${hp.port}`;
      const ips = this.usedPorts.get(k) ?? [];
      if (sign > 0) ips.push(hp.ip);
      else {
        const j = ips.indexOf(hp.ip);
        if (j >= 0) ips.splice(j, 1);
      }
      if (ips.length) this.usedPorts.set(k, ips);
      else this.usedPorts.delete(k);
    }
  }

  /** Would this host port clash with one in use (0.0.0.0 clashes with every IP)? */
  portInUse(hp: HostPort): boolean {
    const ips = this.usedPorts.get(`${hp.protocol}/${hp.port}`);
    if (!ips) return false;
    if (hp.ip === '0.0.0.0') return true;
    return ips.some((ip) => ip === '0.0.0.0' || ip === hp.ip);
  }

  /** A copy whose pod lists and sums can change without touching this one (pods are shared). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.pods = this.pods.slice();
    c.podsWithAffinity = this.podsWithAffinity.slice();
    c.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.slice();
    c.requested = cloneResource(this.requested);
    c.nonZeroRequested = cloneResource(this.nonZeroRequested);
    // Copied rather than shared so the numbers every filter reads sit next to this copy in memory.
    c.allocatable = cloneResource(this.allocatable);
    c.allowedPods = this.allowedPods;
    if (this.usedPorts.size) c.usedPorts = new Map([...this.usedPorts].map(([k, v]) => [k, v.slice()]));
    c.generation = this.generation;
    c.taintsOf = this.taintsOf;
    c.taints = this.taints;
    return c;
  }
}
