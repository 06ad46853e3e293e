// Node IPAM (upstream node-ipam-controller, range allocator): give every Node a pod CIDR
// (spec.podCIDR and spec.podCIDRs) carved from the cluster CIDR, /24s out of 10.244.0.0/16 by
// default. Allocations are rebuilt from the nodes themselves, so a restart never hands out a
// CIDR twice; a deleted node's range becomes free again.
import type { Node } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { isNotFound, type KubeObject } from '../client/api.js';
import type { SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext, EventSink } from './context.js';
import { NODES } from './kinds.js';

export const NODE_IPAM_CONTROLLER = 'node-ipam-controller';
export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_NODE_MASK_SIZE = 24;

type NodeObj = Node & KubeObject;

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new Error(`invalid IPv4 address ${ip}`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Splits an IPv4 cluster CIDR into node-sized subnets and tracks which are taken. */
export class CidrSet {
  private readonly base: number;
  private readonly size: number;
  readonly capacity: number;
  private readonly used = new Set<number>();

  constructor(cidr: string, private readonly nodeMask: number) {
    const [ip, bits] = cidr.split('/');
    const clusterMask = Number(bits);
    if (!(clusterMask >= 0 && clusterMask <= nodeMask && nodeMask <= 32)) throw new Error(`node mask /${nodeMask} does not fit cluster CIDR ${cidr}`);
    const mask = clusterMask === 0 ? 0 : (0xffffffff << (32 - clusterMask)) >>> 0;
    this.base = (ipToInt(ip) & mask) >>> 0;
    this.size = 2 ** (32 - nodeMask);
    this.capacity = 2 ** (nodeMask - clusterMask);
  }

  private indexOf(cidr: string): number | undefined {
    const [ip, bits] = cidr.split('/');
    if (Number(bits) !== this.nodeMask) return undefined;
    let n: number;
    try {
      n = ipToInt(ip);
    } catch {
      return undefined;
    }
    const i = (n - this.base) / this.size;
    return Number.isInteger(i) && i >= 0 && i < this.capacity ? i : undefined;
  }

  /** Mark an existing allocation (e.g. found on a node) as used. */
  occupy(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.add(i);
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.delete(i);
  }

  allocateNext(): string | undefined {
    for (let i = 0; i < this.capacity; i++) {
      if (!this.used.has(i)) {
        this.used.add(i);
        return `${intToIp((this.base + i * this.size) >>> 0)}/${this.nodeMask}`;
      }
    }
    return undefined;
  }
}

export class NodeIpamController implements Controller {
  readonly name = NODE_IPAM_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers = 1; // one worker: allocation must be serial
  private readonly nodes: SharedInformer<NodeObj>;
  private readonly cidrs: CidrSet;
  private readonly events: EventSink;
  private readonly log: pino.Logger;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { clusterCIDR?: string; nodeMaskSize?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'nodeipam', clock: ctx.clock });
    this.cidrs = new CidrSet(opts.clusterCIDR ?? DEFAULT_CLUSTER_CIDR, opts.nodeMaskSize ?? DEFAULT_NODE_MASK_SIZE);
    this.events = ctx.events(NODE_IPAM_CONTROLLER);
    this.log = ctx.logger.child({ component: NODE_IPAM_CONTROLLER });
    this.nodes = ctx.factory.informerFor(NODES);
    this.nodes.addEventHandler({
      onAdd: (n) => {
        // Record existing allocations before anything new is handed out (handlers run before workers).
        for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) this.cidrs.occupy(c);
        this.queue.add(n.metadata!.name!);
      },
      onUpdate: (_o, n) => {
        for (const c of n.spec?.podCIDRs ?? []) this.cidrs.occupy(c);
        if (!n.spec?.podCIDR) this.queue.add(n.metadata!.name!);
      },
      onDelete: (n) => {
        for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) this.cidrs.release(c);
      },
    });
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodes.get(undefined, name);
    if (!node || node.spec?.podCIDR) return;
    const cidr = this.cidrs.allocateNext();
    if (!cidr) {
      this.events.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      throw new Error(`failed to allocate cidr for node ${name}: CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range`);
    }
    try {
      await this.ctx.client.patch(NODES, undefined, name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.log.info({ node: name, podCIDR: cidr }, 'allocated pod CIDR');
    } catch (e) {
      this.cidrs.release(cidr);
      if (isNotFound(e)) return;
      this.events.event(node, 'Warning', 'CIDRAssignmentFailed', `Node ${name} status is now: CIDRAssignmentFailed`);
      throw e;
    }
  }
}
