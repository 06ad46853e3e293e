// VolumeBinding: bound claims pin the pod to nodes their PV's node affinity allows; unbound
// WaitForFirstConsumer claims are matched to an available local/static PV on the node or left
// to dynamic provisioning. PreBind claims the static PV (spec.claimRef) or annotates the PVC
// with volume.kubernetes.io/selected-node, then waits until every claim is bound.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { ApiClient } from '../../client/api.js';
import type { Clock } from '../../client/clock.js';
import { findByKind } from '../../api/registry.js';
import {
  Code,
  Status,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type MaybeStatus,
  type PreBindPlugin,
  type PreFilterPlugin,
  type ReservePlugin,
} from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { nodeSelectorMatches } from '../selectors.js';
import { parseQuantity } from '../resources.js';
import { VolumeBindingName } from './names.js';

export const ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const ErrReasonNodeConflict = 'node(s) had volume node affinity conflict';
export const ErrReasonPVNotExist = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ErrReasonUnboundImmediate = 'pod has unbound immediate PersistentVolumeClaims';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** Read access to the volume objects (informer caches). */
export interface VolumeListers {
  pvc(namespace: string, name: string): PersistentVolumeClaim | undefined;
  pv(name: string): PersistentVolume | undefined;
  pvs(): PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

interface Plan {
  /** claim -> static PV chosen on this node */
  static: [PersistentVolumeClaim, PersistentVolume][];
  /** claims to provision dynamically on this node */
  dynamic: PersistentVolumeClaim[];
}

interface State {
  bound: PersistentVolumeClaim[];
  toBind: PersistentVolumeClaim[];
  plans: Map<string, Plan>;
  reserved?: Plan;
}

const KEY = 'PreFilter' + VolumeBindingName;

/** Claim names a pod uses (persistentVolumeClaim volumes and generic ephemeral volumes). */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name}-${v.name}`);
  }
  return out;
}

function className(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

function pvMatchesClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (ref && !(ref.namespace === pvc.metadata?.namespace && ref.name === pvc.metadata?.name)) return false;
  if (pv.status?.phase && pv.status.phase !== 'Available' && !ref) return false;
  if (pv.metadata?.deletionTimestamp) return false;
  if ((pv.spec?.storageClassName ?? '') !== className(pvc)) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return false;
  const want = parseQuantity(pvc.spec?.resources?.requests?.storage);
  if (parseQuantity(pv.spec?.capacity?.storage) < want) return false;
  const modes = pv.spec?.accessModes ?? [];
  return (pvc.spec?.accessModes ?? []).every((m) => modes.includes(m));
}

function pvFitsNode(pv: PersistentVolume, node: NodeInfo): boolean {
  const req = pv.spec?.nodeAffinity?.required;
  return !req || (!!node.node && nodeSelectorMatches(req, node.node));
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin {
  readonly name = VolumeBindingName;
  private readonly pvcType = findByKind('', 'PersistentVolumeClaim')!;
  private readonly pvType = findByKind('', 'PersistentVolume')!;
  private closed = false;

  /** Ends every wait for claims to bind (scheduler shutdown must not hang on them). */
  close(): void {
    this.closed = true;
  }

  constructor(
    private readonly listers: VolumeListers,
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly bindTimeoutMs = 600_000,
  ) {}

  events(): ClusterEvent[] {
    return [
      { resource: 'PersistentVolumeClaim', action: 'Add' },
      { resource: 'PersistentVolumeClaim', action: 'Update' },
      { resource: 'PersistentVolume', action: 'Add' },
      { resource: 'PersistentVolume', action: 'Update' },
      { resource: 'StorageClass', action: 'Add' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'Update' },
    ];
  }

  preFilter(state: CycleState, pod: PodInfo): MaybeStatus {
    const names = podClaimNames(pod.pod);
    if (names.length === 0) return new Status(Code.Skip);
    const st: State = { bound: [], toBind: [], plans: new Map() };
    for (const name of names) {
      const pvc = this.listers.pvc(pod.namespace, name);
      if (!pvc) return Status.unresolvable(`persistentvolumeclaim "${name}" not found`);
      if (pvc.metadata?.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim "${name}" is being deleted`);
      if (pvc.spec?.volumeName) {
        st.bound.push(pvc);
        continue;
      }
      const sc = this.listers.storageClass(className(pvc));
      if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return Status.unresolvable(ErrReasonUnboundImmediate);
      st.toBind.push(pvc);
    }
    state.write(KEY, st);
    return undefined;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): MaybeStatus {
    const st = state.read<State>(KEY);
    if (!st) return undefined;
    for (const pvc of st.bound) {
      const pv = this.listers.pv(pvc.spec!.volumeName!);
      if (!pv) return Status.unresolvable(ErrReasonPVNotExist);
      if (!pvFitsNode(pv, node)) return Status.unresolvable(ErrReasonNodeConflict);
    }
    if (st.toBind.length === 0) return undefined;
    const plan: Plan = { static: [], dynamic: [] };
    const taken = new Set<string>();
    for (const pvc of st.toBind) {
      const pv = this.listers.pvs().find((p) => !taken.has(p.metadata!.name!) && pvMatchesClaim(p, pvc) && pvFitsNode(p, node));
      if (pv) {
        taken.add(pv.metadata!.name!);
        plan.static.push([pvc, pv]);
        continue;
      }
      const sc = this.listers.storageClass(className(pvc));
      const topo = sc?.allowedTopologies;
      const topoOk = !topo?.length || (!!node.node && nodeSelectorMatches({ nodeSelectorTerms: topo.map((t) => ({ matchExpressions: (t.matchLabelExpressions ?? []).map((e) => ({ key: e.key, operator: 'In', values: e.values })) })) }, node.node));
      if (!sc || sc.provisioner === NO_PROVISIONER || !topoOk) return Status.unresolvable(ErrReasonBindConflict);
      plan.dynamic.push(pvc);
    }
    st.plans.set(node.name, plan);
    return undefined;
  }

  reserve(state: CycleState, _pod: PodInfo, nodeName: string): MaybeStatus {
    const st = state.read<State>(KEY);
    if (st) st.reserved = st.plans.get(nodeName);
    return undefined;
  }

  unreserve(state: CycleState): void {
    const st = state.read<State>(KEY);
    if (st) st.reserved = undefined;
  }

  async preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    const st = state.read<State>(KEY);
    if (!st || (st.toBind.length === 0 && st.bound.length === 0)) return undefined;
    const plan = st.reserved ?? { static: [], dynamic: [] };
    try {
      for (const [pvc, pv] of plan.static) {
        const claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid };
        await this.client.patch(this.pvType, undefined, pv.metadata!.name!, 'merge', { spec: { claimRef } });
      }
      for (const pvc of plan.dynamic) {
        await this.client.patch(this.pvcType, pvc.metadata?.namespace, pvc.metadata!.name!, 'merge', {
          metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } },
        });
      }
    } catch (e) {
      return Status.error(`binding volumes: ${(e as Error).message}`);
    }
    return this.waitBound(pod, [...st.toBind]);
  }

  /** Waits (polling the informer cache) until every claim has a volume. */
  private waitBound(pod: PodInfo, claims: PersistentVolumeClaim[]): Promise<MaybeStatus> {
    const deadline = this.clock.now() + this.bindTimeoutMs;
    return new Promise((resolve) => {
      const check = () => {
        const pending = claims.filter((c) => !this.listers.pvc(pod.namespace, c.metadata!.name!)?.spec?.volumeName);
        if (pending.length === 0) return resolve(undefined);
        if (this.closed) return resolve(Status.error('binding volumes: scheduler is stopping'));
        if (this.clock.now() >= deadline) return resolve(Status.error('binding volumes: context deadline exceeded'));
        this.clock.setTimeout(check, 100);
      };
      check();
    });
  }
}
