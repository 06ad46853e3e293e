// Records who asked for a certificate: on create, a CertificateSigningRequest's spec.username,
// uid, groups and extra come from the authenticated requester (upstream's csrStrategy does this
// from the request context; here the admission chain is where the user is known). Approvers
// decide on these fields, so a client can never claim another identity.
import type { AdmissionAttributes, AdmissionPlugin } from './admission.js';

export class CertificateSigningRequestRequester implements AdmissionPlugin {
  readonly name = 'CertificateSigningRequestRequester';

  admit(a: AdmissionAttributes): void {
    if (a.operation !== 'CREATE' || a.subresource || a.rt.kind !== 'CertificateSigningRequest' || a.rt.group !== 'certificates.k8s.io') return;
    const obj = a.object as { spec?: Record<string, unknown> } | undefined;
    if (!obj) return;
    const spec = (obj.spec ??= {});
    // The strategy already cleared whatever the client sent.
    if (!a.user) return;
    spec.username = a.user.username;
    if (a.user.uid) spec.uid = a.user.uid;
    if (a.user.groups.length) spec.groups = [...a.user.groups];
  }
}
