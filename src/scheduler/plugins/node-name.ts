// NodeName: a pod that names its node fits only there.
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type MaybeStatus } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { NodeNameName } from './names.js';

export const ErrReasonNodeName = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = NodeNameName;
  events(): ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }];
  }
  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    const want = pod.pod.spec?.nodeName;
    if (!want || want === node.name) return undefined;
    return Status.unresolvable(ErrReasonNodeName);
  }
}
