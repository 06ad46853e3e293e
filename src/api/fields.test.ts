import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from './errors.js';
import { fieldsOf, parseFieldSelector, parseFieldSelectorFor } from './fields.js';

describe('field selectors', () => {
  const pod = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: { nodeName: 'n1', restartPolicy: 'Always', hostNetwork: true },
    status: { phase: 'Running', podIP: '10.0.0.5' },
  };
  test('parse and match =, ==, !=', () => {
    const f = fieldsOf('Pod', pod);
    assert.equal(parseFieldSelector('status.phase=Running').matches(f), true);
    assert.equal(parseFieldSelector('status.phase==Running,spec.nodeName=n1').matches(f), true);
    assert.equal(parseFieldSelector('status.phase!=Running').matches(f), false);
    assert.equal(parseFieldSelector('spec.hostNetwork=true').matches(f), true);
    assert.equal(parseFieldSelector('metadata.namespace=ns,metadata.name=p').matches(f), true);
  });
  test('escaped values', () => {
    const s = parseFieldSelector('metadata.name=a\\,b');
    assert.equal(s.requirements[0].value, 'a,b');
    assert.equal(s.toString(), 'metadata.name=a\\,b');
  });
  test('bad term is a 400', () => {
    assert.throws(() => parseFieldSelector('foo'), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === "invalid selector: 'foo'; can't understand 'foo'");
  });
  test('unsupported field is a 400 with upstream wording', () => {
    assert.throws(
      () => parseFieldSelectorFor('Pod', 'spec.foo=bar'),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'field label not supported: spec.foo',
    );
    assert.throws(() => parseFieldSelector('status.phase=x').validate('ConfigMap'), /field label not supported: status.phase/);
    parseFieldSelector('metadata.name=x').validate('ConfigMap');
  });
  test('per-kind fields', () => {
    assert.equal(fieldsOf('Event', { involvedObject: { kind: 'Pod', name: 'p' }, source: { component: 'kubelet' }, type: 'Warning' })['involvedObject.kind'], 'Pod');
    assert.equal(fieldsOf('Event', { source: { component: 'kubelet' } }).source, 'kubelet');
    assert.equal(fieldsOf('Secret', { type: 'kubernetes.io/tls' }).type, 'kubernetes.io/tls');
    assert.equal(fieldsOf('Node', { spec: {} })['spec.unschedulable'], 'false');
    assert.equal(fieldsOf('Job', { status: { succeeded: 2 } })['status.successful'], '2');
    assert.equal(fieldsOf('ReplicaSet', { status: { replicas: 3 } })['status.replicas'], '3');
    assert.equal(fieldsOf('Namespace', { status: { phase: 'Active' } })['status.phase'], 'Active');
    assert.equal(fieldsOf('Service', { spec: { clusterIP: 'None', type: 'ClusterIP' } })['spec.clusterIP'], 'None');
  });
});
