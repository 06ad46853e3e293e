// The root CA publisher (upstream root-ca-cert-publisher): every active namespace has a ConfigMap
// "kube-root-ca.crt" holding the cluster CA bundle, so pods can verify the API server (projected
// service-account volumes mount it). It is recreated when deleted and restored when edited.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import type pino from 'pino';
import { findByKind } from '../api/registry.js';
import { ApiError, isAlreadyExists, isNotFound, type KubeObject } from '../client/api.js';
import { clone, type SharedInformer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './context.js';
import { NAMESPACES } from './kinds.js';

export const ROOT_CA_PUBLISHER = 'root-ca-cert-publisher';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

const CONFIG_MAPS = findByKind('', 'ConfigMap')!;

type ConfigMapObj = ConfigMap & KubeObject;
type NamespaceObj = Namespace & KubeObject;

export interface RootCaPublisherOptions {
  /** The cluster CA certificate (PEM). Without it there is nothing to publish and the controller idles. */
  caPem?: string;
}

export class RootCaPublisher implements Controller {
  readonly name = ROOT_CA_PUBLISHER;
  readonly queue: WorkQueue<string>;
  readonly workers = 1;
  private readonly namespaces: SharedInformer<NamespaceObj>;
  private readonly configMaps: SharedInformer<ConfigMapObj>;
  private readonly log: pino.Logger;
  private readonly caPem?: string;

  constructor(
    private readonly ctx: ControllerContext,
    opts: RootCaPublisherOptions = {},
  ) {
    // PEM files end with a newline; keep the published bundle byte-identical to such a file.
    this.caPem = opts.caPem && !opts.caPem.endsWith('\n') ? `${opts.caPem}\n` : opts.caPem;
    this.queue = new WorkQueue<string>({ name: 'root_ca_cert_publisher', clock: ctx.clock });
    this.log = ctx.logger.child({ controller: ROOT_CA_PUBLISHER });
    this.namespaces = ctx.factory.informerFor(NAMESPACES);
    this.configMaps = ctx.factory.informerFor(CONFIG_MAPS);
    if (!this.caPem) {
      this.log.info('no cluster CA configured; kube-root-ca.crt ConfigMaps are not published');
      return;
    }
    this.namespaces.addEventHandler({
      onAdd: (ns) => this.queue.add(ns.metadata!.name!),
      onUpdate: (_o, ns) => {
        if (ns.status?.phase !== 'Terminating') this.queue.add(ns.metadata!.name!);
      },
    });
    const onCm = (cm: ConfigMapObj) => {
      if (cm.metadata?.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace!);
    };
    this.configMaps.addEventHandler({ onUpdate: (_o, cm) => onCm(cm), onDelete: onCm });
  }

  async reconcile(namespace: string): Promise<void> {
    if (!this.caPem) return;
    const ns = this.namespaces.get(undefined, namespace);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    const data = { 'ca.crt': this.caPem };
    const cm = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    if (!cm) {
      try {
        await this.ctx.client.create<ConfigMapObj>(CONFIG_MAPS, namespace, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
          data,
        });
      } catch (e) {
        // Gone or terminating namespaces refuse it (404 / 403); an existing one shows up via the watch.
        if (isAlreadyExists(e) || isNotFound(e) || (e instanceof ApiError && e.code === 403)) return;
        throw e;
      }
      return;
    }
    const sameData = JSON.stringify(cm.data ?? {}) === JSON.stringify(data) && !cm.binaryData;
    if (sameData && cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const next = clone(cm);
    next.data = data;
    delete next.binaryData;
    next.metadata!.annotations = { ...(next.metadata!.annotations ?? {}), [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION };
    try {
      await this.ctx.client.update(CONFIG_MAPS, namespace, next);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }
}
