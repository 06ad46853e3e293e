// Terse builders for nodes and pods in scheduler tests.
import type { Container, Node, Pod, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from '../node-info.js';
import { newPodInfo, type PodInfo } from '../pod-info.js';

let seq = 0;

export function makeNode(
  name: string,
  o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; extra?: Record<string, string>; ready?: 'True' | 'False' | 'Unknown' } = {},
): Node {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...(o.extra ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: alloc, capacity: alloc, conditions: o.ready ? [{ type: 'Ready', status: o.ready }] : undefined },
  };
}

export function makePod(
  name: string,
  o: {
    namespace?: string;
    cpu?: string;
    memory?: string;
    labels?: Record<string, string>;
    node?: string;
    priority?: number;
    spec?: Partial<PodSpec>;
    containers?: Container[];
    uid?: string;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: o.uid ?? `uid-${name}-${++seq}`, labels: o.labels },
    spec: {
      schedulerName: 'default-scheduler',
      containers: o.containers ?? [{ name: 'c', image: 'img', resources: { requests } }],
      nodeName: o.node,
      priority: o.priority,
      ...(o.spec ?? {}),
    },
  };
}

/** A NodeInfo holding the given pods (which are placed on it). */
export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(node);
  for (const p of pods) ni.addPod(newPodInfo({ ...p, spec: { ...p.spec!, nodeName: node.metadata!.name } }));
  return ni;
}

export function info(p: Pod): PodInfo {
  return newPodInfo(p);
}
