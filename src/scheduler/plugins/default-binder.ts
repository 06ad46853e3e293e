// DefaultBinder: POST pods/{name}/binding with the chosen node.
import type { ApiClient } from '../../client/api.js';
import { findByKind } from '../../api/registry.js';
import { Status, type BindPlugin, type CycleState, type MaybeStatus } from '../framework.js';
import type { PodInfo } from '../pod-info.js';
import { DefaultBinderName } from './names.js';

export class DefaultBinder implements BindPlugin {
  readonly name = DefaultBinderName;
  private readonly podsType = findByKind('', 'Pod')!;
  constructor(private readonly client: ApiClient) {}

  async bind(_s: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    const name = pod.pod.metadata!.name!;
    const namespace = pod.namespace;
    try {
      await this.client.createSubresource(this.podsType, namespace, name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, uid: pod.pod.metadata?.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
    } catch (e) {
      const st = Status.error((e as Error).message);
      st.cause = e;
      return st;
    }
    return undefined;
  }
}
