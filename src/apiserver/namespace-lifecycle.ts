// Admission plugin NamespaceLifecycle: no writes into a missing or terminating namespace,
// and the system namespaces can't be deleted.
import { forbidden, notFound } from '../api/errors.js';
import { findByKind } from '../api/registry.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.js';
import type { ObjectStore } from './object-store.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const IMMORTAL = new Set(['default', 'kube-system', 'kube-public']);
const nsType = findByKind('', 'Namespace')!;

export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';
  constructor(private readonly objects: ObjectStore) {}

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.rt.kind === 'Namespace' && a.rt.group === '' && a.operation === 'DELETE' && IMMORTAL.has(a.name)) {
      throw forbidden(`namespaces "${a.name}" is forbidden: this namespace may not be deleted`, { kind: 'namespaces', name: a.name });
    }
    if (!a.rt.namespaced || a.operation !== 'CREATE' || !a.namespace) return;
    const ns = (await this.objects.get(nsType, undefined, a.namespace)) as Namespace | undefined;
    if (!ns) throw notFound('namespaces', '', a.namespace);
    // Events and subresource writes (bindings, evictions) still flow while a namespace drains.
    if (ns.status?.phase === 'Terminating' && a.subresource === '' && a.rt.kind !== 'Event') {
      throw forbidden(
        `${a.rt.plural}${a.rt.group ? '.' + a.rt.group : ''} "${a.name}" is forbidden: unable to create new content in namespace ${a.namespace} because it is being terminated`,
        { kind: a.rt.plural, name: a.name, group: a.rt.group || undefined },
      );
    }
  }
}
