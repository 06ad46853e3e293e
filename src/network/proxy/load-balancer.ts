// The built-in service load balancer (what `minikube tunnel` or a cloud controller does): every
// Service of type LoadBalancer (without a loadBalancerClass of someone else) gets
// status.loadBalancer.ingress = [{ip: <node address>}], so `kubectl get svc` shows the
// EXTERNAL-IP instead of <pending>. The node's ServiceProxy then serves <address>:<port>.
import type { Service } from 'kubernetes-types/core/v1.js';
import pino from 'pino';
import { isNotFound, type ApiClient, type KubeObject } from '../../client/api.js';
import { keyOf, splitKey, type SharedInformer, InformerFactory } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import { ControllerRunner } from '../../client/controller.js';
import { SERVICES } from '../service-catalog.js';

export interface LoadBalancerOptions {
  /** The address assigned to every LoadBalancer Service (127.0.0.1 on a single-node cluster). */
  address: string;
  logger?: pino.Logger;
}

type Svc = Service & KubeObject;

export function desiredIngress(svc: Service, address: string): { ip: string }[] | undefined {
  if (svc.spec?.type !== 'LoadBalancer') return undefined;
  return [{ ip: address }];
}

export class ServiceLoadBalancerController {
  private readonly factory: InformerFactory;
  private readonly services: SharedInformer<Svc>;
  private readonly queue = new WorkQueue<string>({ name: 'service_lb' });
  private readonly runner: ControllerRunner;
  private readonly log: pino.Logger;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: LoadBalancerOptions,
  ) {
    this.log = (opts.logger ?? pino({ level: process.env.SKIFF_LOG_LEVEL ?? 'info' }, pino.destination(2))).child({ component: 'service-lb-controller' });
    this.factory = new InformerFactory(client);
    this.services = this.factory.informerFor(SERVICES);
    this.services.addEventHandler({ onAdd: (s) => this.queue.add(keyOf(s)), onUpdate: (_o, s) => this.queue.add(keyOf(s)) });
    this.runner = new ControllerRunner({ name: 'service-lb-controller', queue: this.queue, reconciler: this, logger: this.log });
  }

  async start(): Promise<void> {
    await this.factory.start();
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.factory.stop();
    await this.runner.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    if (!svc) return;
    // A Service asking for another implementation is not ours.
    if (svc.spec?.loadBalancerClass) return;
    const want = desiredIngress(svc, this.opts.address);
    const have = svc.status?.loadBalancer?.ingress;
    if (!want && !have?.length) return;
    if (want && JSON.stringify(have ?? []) === JSON.stringify(want)) return;
    try {
      await this.client.patch(SERVICES, namespace, name, 'merge', { status: { loadBalancer: want ? { ingress: want } : {} } }, { subresource: 'status' });
      this.log.info({ service: key, ingress: want?.map((i) => i.ip) ?? [] }, 'load balancer status updated');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
