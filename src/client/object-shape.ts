// The part of a Kubernetes object the client runtime reads. Unlike KubeObject (api.ts) it has no
// index signature, so kubernetes-types interfaces such as Pod or ReplicaSet satisfy it directly.

export interface KubeObjectShape {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    ownerReferences?: readonly { uid?: string }[];
  };
}
