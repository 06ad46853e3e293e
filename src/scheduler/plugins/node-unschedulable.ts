// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods tolerating
// node.kubernetes.io/unschedulable:NoSchedule.
import type { Taint } from 'kubernetes-types/core/v1.js';
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type MaybeStatus } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { tolerationsTolerateTaint } from '../selectors.js';
import { NodeUnschedulableName } from './names.js';

export const ErrReasonUnschedulable = 'node(s) were unschedulable';
const unschedulableTaint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export class NodeUnschedulable implements FilterPlugin {
  readonly name = NodeUnschedulableName;
  events(): ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): MaybeStatus {
    if (!node.node?.spec?.unschedulable) return undefined;
    if (tolerationsTolerateTaint(pod.pod.spec?.tolerations, unschedulableTaint)) return undefined;
    return Status.unresolvable(ErrReasonUnschedulable);
  }
}
