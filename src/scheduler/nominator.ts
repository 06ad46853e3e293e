// Nominated pods: pods that preempted victims and wait for them to go, recorded per node so
// lower- or equal-priority pods don't take the space they freed.
import type { PodInfo } from './pod-info.js';

export class Nominator {
  private byNode = new Map<string, PodInfo[]>();
  private nodeOf = new Map<string, string>();

  add(pi: PodInfo, nodeName: string): void {
    this.delete(pi.key);
    if (!nodeName) return;
    this.nodeOf.set(pi.key, nodeName);
    const list = this.byNode.get(nodeName) ?? [];
    list.push(pi);
    this.byNode.set(nodeName, list);
  }

  delete(key: string): void {
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const list = (this.byNode.get(node) ?? []).filter((p) => p.key !== key);
    if (list.length) this.byNode.set(node, list);
    else this.byNode.delete(node);
  }

  nominatedNode(key: string): string | undefined {
    return this.nodeOf.get(key);
  }

  podsFor(nodeName: string): PodInfo[] {
    return this.byNode.get(nodeName) ?? [];
  }

  size(): number {
    return this.nodeOf.size;
  }
}
