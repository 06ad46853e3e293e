import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { findByKind } from '../api/registry.js';
import type { KubeObject } from '../client/api.js';
import { NAMESPACES } from './kinds.js';
import { RootCaPublisher, ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION } from './rootca-publisher.js';
import { Part2Harness } from './testing/part2-harness.js';

type K<T> = T & KubeObject;
const CMS = findByKind('', 'ConfigMap')!;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

function ns(name: string, phase = 'Active'): K<Namespace> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase } };
}

const cm = (h: Part2Harness, namespace: string) => h.api.peek<K<ConfigMap>>(CMS, namespace, ROOT_CA_CONFIGMAP);

describe('root CA publisher', () => {
  test('publishes kube-root-ca.crt in every active namespace and restores it', async () => {
    const h = new Part2Harness();
    await h.seed(NAMESPACES, ns('default'), ns('kube-system'), ns('leaving', 'Terminating'));
    const c = new RootCaPublisher(h.ctx, { caPem: PEM });
    await h.start();
    await h.drain(c);
    for (const n of ['default', 'kube-system']) {
      const m = cm(h, n)!;
      assert.deepEqual(m.data, { 'ca.crt': PEM });
      assert.equal(m.metadata?.annotations?.['kubernetes.io/description'], ROOT_CA_DESCRIPTION);
    }
    assert.equal(cm(h, 'leaving'), undefined);

    // A new namespace gets one.
    await h.api.create(NAMESPACES, undefined, ns('team-a'));
    await h.drain(c);
    assert.deepEqual(cm(h, 'team-a')?.data, { 'ca.crt': PEM });

    // Deleted: recreated.
    await h.api.delete(CMS, 'default', ROOT_CA_CONFIGMAP);
    await h.drain(c);
    assert.deepEqual(cm(h, 'default')?.data, { 'ca.crt': PEM });

    // Edited: data restored, other annotations kept.
    const cur = cm(h, 'kube-system')!;
    await h.api.update(CMS, 'kube-system', { ...cur, metadata: { ...cur.metadata, annotations: { mine: 'yes' } }, data: { 'ca.crt': 'tampered', extra: 'x' } });
    await h.drain(c);
    const fixed = cm(h, 'kube-system')!;
    assert.deepEqual(fixed.data, { 'ca.crt': PEM });
    assert.deepEqual(fixed.metadata?.annotations, { mine: 'yes', 'kubernetes.io/description': ROOT_CA_DESCRIPTION });
    h.stop();
  });

  test('without a CA it publishes nothing', async () => {
    const h = new Part2Harness();
    await h.seed(NAMESPACES, ns('default'));
    const c = new RootCaPublisher(h.ctx, {});
    await h.start();
    await h.drain(c);
    assert.equal(cm(h, 'default'), undefined);
    h.stop();
  });
});
