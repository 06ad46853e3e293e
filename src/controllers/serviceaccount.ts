// The service-account controller (upstream serviceaccount-controller): every active namespace has
// a "default" ServiceAccount; it is created when a namespace appears and recreated if deleted.
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, type KubeObject } from '../client/api.js';
import type { SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import { NAMESPACES, SERVICE_ACCOUNTS } from './kinds.js';

export const SERVICEACCOUNT_CONTROLLER = 'serviceaccount-controller';
export const DEFAULT_SERVICE_ACCOUNT = 'default';

export class ServiceAccountController implements Controller {
  readonly name = SERVICEACCOUNT_CONTROLLER;
  readonly queue: WorkQueue<string>;
  readonly workers: number;
  private readonly namespaces: SharedInformer<KubeObject>;
  private readonly accounts: SharedInformer<ServiceAccount & KubeObject>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: { workers?: number } = {},
  ) {
    this.queue = new WorkQueue<string>({ name: 'serviceaccount', clock: ctx.clock });
    this.workers = opts.workers ?? 1;
    this.namespaces = ctx.factory.informerFor(NAMESPACES);
    this.accounts = ctx.factory.informerFor(SERVICE_ACCOUNTS);
    this.namespaces.addEventHandler({ onAdd: (ns) => this.queue.add(ns.metadata!.name!), onUpdate: (_o, ns) => this.queue.add(ns.metadata!.name!) });
    this.accounts.addEventHandler({
      onDelete: (sa) => {
        if (sa.metadata?.name === DEFAULT_SERVICE_ACCOUNT) this.queue.add(sa.metadata.namespace!);
      },
    });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    // Terminating namespaces refuse new objects; don't fight the namespace controller.
    if (!ns || ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') return;
    if (this.accounts.get(namespace, DEFAULT_SERVICE_ACCOUNT)) return;
    try {
      await this.ctx.client.create(SERVICE_ACCOUNTS, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } });
    } catch (e) {
      if (isAlreadyExists(e) || isNotFound(e)) return;
      // 403 Forbidden: the namespace started terminating meanwhile.
      if ((e as { code?: number }).code === 403) return;
      throw e;
    }
  }
}
