// Printer for certificates.k8s.io CertificateSigningRequest (`kubectl get csr`).
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { csrConditionSummary } from '../csr.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { formatAge, humanDuration } from './format.js';
import type { Printer, TableCell } from './types.js';

export const certificateSigningRequestPrinter: Printer = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('SignerName', 'string', 'signerName indicates the requested signer, and is a qualified name.'),
    // Upstream describes this column with spec.request's documentation; kept as is.
    column('Requestor', 'string', 'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block. When serialized as JSON or YAML, the data is additionally base64-encoded.'),
    column('RequestedDuration', 'string', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
    column('Condition', 'string', 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".'),
  ],
  cells(csr: CertificateSigningRequest, ctx): TableCell[] {
    const spec = csr.spec ?? ({} as CertificateSigningRequest['spec']);
    const seconds = spec.expirationSeconds;
    return [
      csr.metadata?.name ?? '',
      formatAge(csr.metadata?.creationTimestamp, ctx.now),
      spec.signerName || '<none>',
      spec.username ?? '',
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      csrConditionSummary(csr),
    ];
  },
};
