// CertificateSigningRequest rules in api/: the CONDITION summary kubectl prints, and what the
// status and approval subresources may change.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { csrConditionSummary, prepareCsrForApprovalUpdate, prepareCsrForStatusUpdate } from './csr.js';
import { buildTable } from './tables/index.js';

const NOW = '2026-01-02T03:04:05Z';
const cond = (type: string, extra: Record<string, string> = {}) => ({ type, status: 'True', ...extra });

describe('CertificateSigningRequest', () => {
  test('CONDITION column: Pending, Approved,Issued, Denied, Approved,Failed', () => {
    assert.equal(csrConditionSummary({}), 'Pending');
    assert.equal(csrConditionSummary({ status: { conditions: [cond('Approved')], certificate: 'QQ==' } }), 'Approved,Issued');
    assert.equal(csrConditionSummary({ status: { conditions: [cond('Denied')] } }), 'Denied');
    assert.equal(csrConditionSummary({ status: { conditions: [cond('Approved'), cond('Failed')] } }), 'Approved,Failed');
  });

  test('kubectl get csr columns', () => {
    const csr = {
      metadata: { name: 'csr-x', creationTimestamp: '2026-01-02T03:00:05Z' },
      spec: { signerName: 'kubernetes.io/kubelet-serving', username: 'system:node:n1', expirationSeconds: 86400 },
      status: { conditions: [cond('Approved')], certificate: 'QQ==' },
    };
    const t = buildTable('CertificateSigningRequest', 'certificates.k8s.io', [csr], { now: new Date(NOW), includeObject: 'None' });
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
    assert.deepEqual(t.rows[0].cells, ['csr-x', '4m', 'kubernetes.io/kubelet-serving', 'system:node:n1', '24h', 'Approved,Issued']);
  });

  test('status updates keep the approval conditions; approval updates keep the certificate and Failed', () => {
    const old = { metadata: { name: 'a', resourceVersion: '5' }, spec: { signerName: 's/x' }, status: { conditions: [cond('Approved', { lastTransitionTime: 'T0' })] } };
    const viaStatus: any = { metadata: { name: 'a', resourceVersion: '5' }, spec: { signerName: 's/x' }, status: { certificate: 'QQ==', conditions: [cond('Failed')] } };
    prepareCsrForStatusUpdate(viaStatus, old, NOW);
    assert.deepEqual(viaStatus.status.conditions.map((c: any) => c.type).sort(), ['Approved', 'Failed']);
    assert.equal(viaStatus.status.conditions.find((c: any) => c.type === 'Failed').lastUpdateTime, NOW);

    const issued = { ...old, status: { certificate: 'QQ==', conditions: [cond('Approved'), cond('Failed')] } };
    const viaApproval: any = { metadata: { name: 'a', resourceVersion: '6', labels: { x: 'y' } }, spec: { signerName: 'evil/x' }, status: { certificate: 'Qg==', conditions: [cond('Approved'), cond('Denied')] } };
    prepareCsrForApprovalUpdate(viaApproval, issued, NOW);
    assert.equal(viaApproval.spec.signerName, 's/x');
    assert.equal(viaApproval.status.certificate, 'QQ==');
    assert.equal(viaApproval.metadata.resourceVersion, '6');
    assert.deepEqual(viaApproval.status.conditions.map((c: any) => c.type).sort(), ['Approved', 'Denied', 'Failed']);
  });
});
