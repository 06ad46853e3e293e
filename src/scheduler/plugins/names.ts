// Plugin names as upstream registers them (they appear in logs and queueing decisions).
export const NodeUnschedulableName = 'NodeUnschedulable';
export const NodeNameName = 'NodeName';
export const TaintTolerationName = 'TaintToleration';
export const NodeAffinityName = 'NodeAffinity';
export const NodePortsName = 'NodePorts';
export const NodeResourcesFitName = 'NodeResourcesFit';
export const BalancedAllocationName = 'NodeResourcesBalancedAllocation';
export const VolumeBindingName = 'VolumeBinding';
export const PodTopologySpreadName = 'PodTopologySpread';
export const InterPodAffinityName = 'InterPodAffinity';
export const DefaultPreemptionName = 'DefaultPreemption';
export const DefaultBinderName = 'DefaultBinder';
