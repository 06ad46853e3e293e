// NodePorts: a requested hostPort must be free on the node (same protocol, clashing IP).
import { Code, Status, type ClusterEvent, type CycleState, type FilterPlugin, type MaybeStatus, type PreFilterPlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { NodePortsName } from './names.js';

export const ErrReasonPorts = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NodePortsName;
  events(): ClusterEvent[] {
    return [{ resource: 'AssignedPod', action: 'Delete' }, { resource: 'Node', action: 'Add' }];
  }
  preFilter(_s: CycleState, pod: PodInfo): MaybeStatus {
    return pod.hostPorts.length === 0 ? new Status(Code.Skip) : undefined;
  }
  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    for (const hp of pod.hostPorts) if (node.portInUse(hp)) return Status.unschedulable(ErrReasonPorts);
    return undefined;
  }
}
