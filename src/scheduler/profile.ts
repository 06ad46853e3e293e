// The default profile: upstream's default plugin set, order and score weights
// (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, InterPodAffinity 2,
// NodeResourcesFit 1, NodeResourcesBalancedAllocation 1).
import type { ApiClient } from '../client/api.js';
import type { Clock } from '../client/clock.js';
import type { Handle, PostFilterPlugin, Profile } from './framework.js';
import { BalancedAllocation } from './plugins/balanced-allocation.js';
import { DefaultBinder } from './plugins/default-binder.js';
import { InterPodAffinity } from './plugins/inter-pod-affinity.js';
import { NodeAffinity } from './plugins/node-affinity.js';
import { NodeName } from './plugins/node-name.js';
import { NodePorts } from './plugins/node-ports.js';
import { NodeResourcesFit, type ScoringStrategy } from './plugins/node-resources-fit.js';
import { NodeUnschedulable } from './plugins/node-unschedulable.js';
import { PodTopologySpread } from './plugins/pod-topology-spread.js';
import { TaintToleration } from './plugins/taint-toleration.js';
import { VolumeBinding, type VolumeListers } from './plugins/volume-binding.js';

export interface ProfileDeps {
  schedulerName: string;
  client: ApiClient;
  clock: Clock;
  handle: Handle;
  volumes: VolumeListers;
  scoringStrategy?: ScoringStrategy;
  /** Built by the scheduler (it needs the framework); omitted = no preemption. */
  preemption?: PostFilterPlugin;
}

export function defaultProfile(d: ProfileDeps): Profile {
  const nodeUnschedulable = new NodeUnschedulable();
  const nodeName = new NodeName();
  const taints = new TaintToleration();
  const nodeAffinity = new NodeAffinity();
  const ports = new NodePorts();
  const fit = new NodeResourcesFit(d.scoringStrategy ?? 'LeastAllocated');
  const balanced = new BalancedAllocation();
  const volumes = new VolumeBinding(d.volumes, d.client, d.clock);
  const spread = new PodTopologySpread();
  const ipa = new InterPodAffinity(d.handle);
  return {
    schedulerName: d.schedulerName,
    preFilter: [nodeAffinity, ports, volumes, spread, ipa],
    filter: [nodeUnschedulable, nodeName, taints, nodeAffinity, ports, fit, volumes, spread, ipa],
    postFilter: d.preemption ? [d.preemption] : [],
    score: [
      { plugin: taints, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: fit, weight: 1 },
      { plugin: spread, weight: 2 },
      { plugin: ipa, weight: 2 },
      { plugin: balanced, weight: 1 },
    ],
    reserve: [volumes],
    preBind: [volumes],
    bind: [new DefaultBinder(d.client)],
  };
}
