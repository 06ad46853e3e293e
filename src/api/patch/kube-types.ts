// Patch and apply metadata of the built-in types, as upstream's Go struct tags define them
// (patchStrategy/patchMergeKey, +listType/+listMapKey, +structType/+mapType=atomic, non-pointer
// struct fields). Only types and fields that differ from the defaults are listed: undeclared
// objects merge field by field and undeclared lists are atomic (replaced as a whole).
import type { TypeSpec } from './schema.js';

const TCP = { protocol: 'TCP' };

export const KUBE_TYPES: Record<string, TypeSpec> = {
  Affinity: { fields: { nodeAffinity: { type: 'NodeAffinity' } } },
  Binding: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      target: { value: true, type: 'ObjectReference' },
    },
  },
  CSIDriver: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'CSIDriverSpec' },
    },
  },
  CSIDriverSpec: { fields: { volumeLifecycleModes: { listType: 'set' } } },
  CSINode: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'CSINodeSpec' },
    },
  },
  CSINodeSpec: { fields: { drivers: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], present: true } } },
  CSIPersistentVolumeSource: {
    fields: {
      controllerExpandSecretRef: { type: 'SecretReference' },
      controllerPublishSecretRef: { type: 'SecretReference' },
      nodeExpandSecretRef: { type: 'SecretReference' },
      nodePublishSecretRef: { type: 'SecretReference' },
      nodeStageSecretRef: { type: 'SecretReference' },
      volumeAttributes: { map: true },
    },
  },
  CSIVolumeSource: {
    fields: {
      nodePublishSecretRef: { type: 'LocalObjectReference' },
      volumeAttributes: { map: true },
    },
  },
  CephFSPersistentVolumeSource: { fields: { secretRef: { type: 'SecretReference' } } },
  CephFSVolumeSource: { fields: { secretRef: { type: 'LocalObjectReference' } } },
  CinderPersistentVolumeSource: { fields: { secretRef: { type: 'SecretReference' } } },
  CinderVolumeSource: { fields: { secretRef: { type: 'LocalObjectReference' } } },
  ClusterRole: { fields: { metadata: { value: true, type: 'ObjectMeta' } } },
  ClusterRoleBinding: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      roleRef: { value: true, type: 'RoleRef' },
    },
  },
  ComponentStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
      metadata: { value: true, type: 'ObjectMeta' },
    },
  },
  ConfigMap: {
    fields: {
      binaryData: { map: true },
      data: { map: true },
      metadata: { value: true, type: 'ObjectMeta' },
    },
  },
  ConfigMapKeySelector: { atomic: true, fields: {} },
  Container: {
    fields: {
      env: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'EnvVar' },
      ports: { merge: true, mergeKey: 'containerPort', listType: 'map', keys: ['containerPort', 'protocol'], keyDefaults: TCP },
      resources: { value: true, type: 'ResourceRequirements' },
      volumeDevices: { merge: true, mergeKey: 'devicePath', listType: 'map', keys: ['devicePath'] },
      volumeMounts: { merge: true, mergeKey: 'mountPath', listType: 'map', keys: ['mountPath'] },
    },
  },
  ControllerRevision: { fields: { metadata: { value: true, type: 'ObjectMeta' } } },
  CronJob: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'CronJobSpec' },
      status: { value: true },
    },
  },
  CronJobSpec: { fields: { jobTemplate: { value: true, type: 'JobTemplateSpec' } } },
  CustomResourceDefinition: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true },
      status: { value: true },
    },
  },
  DaemonSet: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'DaemonSetSpec' },
      status: { value: true, type: 'DaemonSetStatus' },
    },
  },
  DaemonSetSpec: {
    fields: {
      selector: { type: 'LabelSelector' },
      template: { value: true, type: 'PodTemplateSpec' },
      updateStrategy: { value: true },
    },
  },
  DaemonSetStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  Deployment: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'DeploymentSpec' },
      status: { value: true, type: 'DeploymentStatus' },
    },
  },
  DeploymentSpec: {
    fields: {
      selector: { type: 'LabelSelector' },
      strategy: { value: true },
      template: { value: true, type: 'PodTemplateSpec' },
    },
  },
  DeploymentStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  EndpointSlice: { fields: { metadata: { value: true, type: 'ObjectMeta' } } },
  Endpoints: { fields: { metadata: { value: true, type: 'ObjectMeta' } } },
  EnvVar: { fields: { valueFrom: { type: 'EnvVarSource' } } },
  EnvVarSource: {
    fields: {
      configMapKeyRef: { type: 'ConfigMapKeySelector' },
      fieldRef: { type: 'ObjectFieldSelector' },
      resourceFieldRef: { type: 'ResourceFieldSelector' },
      secretKeyRef: { type: 'SecretKeySelector' },
    },
  },
  EphemeralVolumeSource: { fields: { volumeClaimTemplate: { type: 'PersistentVolumeClaimTemplate' } } },
  Event: {
    fields: {
      involvedObject: { value: true, type: 'ObjectReference' },
      metadata: { value: true, type: 'ObjectMeta' },
      related: { type: 'ObjectReference' },
      source: { value: true },
    },
  },
  EventsV1Event: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      regarding: { value: true, type: 'ObjectReference' },
      related: { type: 'ObjectReference' },
      deprecatedSource: { value: true },
    },
  },
  Eviction: { fields: { metadata: { value: true, type: 'ObjectMeta' } } },
  FlexPersistentVolumeSource: { fields: { options: { map: true }, secretRef: { type: 'SecretReference' } } },
  FlexVolumeSource: { fields: { options: { map: true }, secretRef: { type: 'LocalObjectReference' } } },
  HorizontalPodAutoscaler: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'HorizontalPodAutoscalerSpec' },
      status: { value: true, type: 'HorizontalPodAutoscalerStatus' },
    },
  },
  HorizontalPodAutoscalerSpec: { fields: { scaleTargetRef: { value: true } } },
  HorizontalPodAutoscalerStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  ISCSIPersistentVolumeSource: { fields: { secretRef: { type: 'SecretReference' } } },
  ISCSIVolumeSource: { fields: { secretRef: { type: 'LocalObjectReference' } } },
  Ingress: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'IngressSpec' },
      status: { value: true, type: 'IngressStatus' },
    },
  },
  IngressBackend: {
    fields: {
      resource: { type: 'TypedLocalObjectReference' },
      service: { type: 'IngressServiceBackend' },
    },
  },
  IngressClass: { fields: { metadata: { value: true, type: 'ObjectMeta' }, spec: { value: true } } },
  IngressServiceBackend: { fields: { port: { value: true, type: 'ServiceBackendPort' } } },
  IngressSpec: { fields: { defaultBackend: { type: 'IngressBackend' } } },
  IngressStatus: { fields: { loadBalancer: { value: true } } },
  Job: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'JobSpec' },
      status: { value: true, type: 'JobStatus' },
    },
  },
  JobSpec: {
    fields: {
      selector: { type: 'LabelSelector' },
      template: { value: true, type: 'PodTemplateSpec' },
    },
  },
  JobStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'atomic' },
      uncountedTerminatedPods: { type: 'UncountedTerminatedPods' },
    },
  },
  JobTemplateSpec: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'JobSpec' },
    },
  },
  LabelSelector: { atomic: true, fields: { matchLabels: { map: true } } },
  Lease: { fields: { metadata: { value: true, type: 'ObjectMeta' }, spec: { value: true } } },
  LimitRange: { fields: { metadata: { value: true, type: 'ObjectMeta' }, spec: { value: true } } },
  LocalObjectReference: { atomic: true, fields: {} },
  MutatingWebhook: {
    fields: {
      clientConfig: { value: true },
      matchConditions: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'] },
      namespaceSelector: { type: 'LabelSelector' },
      objectSelector: { type: 'LabelSelector' },
    },
  },
  MutatingWebhookConfiguration: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      webhooks: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'MutatingWebhook' },
    },
  },
  Namespace: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true },
      status: { value: true, type: 'NamespaceStatus' },
    },
  },
  NamespaceStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  NetworkPolicy: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'NetworkPolicySpec' },
    },
  },
  NetworkPolicySpec: { fields: { podSelector: { value: true, type: 'LabelSelector' } } },
  Node: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'NodeSpec' },
      status: { value: true, type: 'NodeStatus' },
    },
  },
  NodeAffinity: { fields: { requiredDuringSchedulingIgnoredDuringExecution: { type: 'NodeSelector' } } },
  NodeDaemonEndpoints: { fields: { kubeletEndpoint: { value: true } } },
  NodeSelector: { atomic: true, fields: {} },
  NodeSpec: { fields: { podCIDRs: { merge: true, listType: 'set' } } },
  NodeStatus: {
    fields: {
      addresses: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
      allocatable: { map: true },
      capacity: { map: true },
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
      daemonEndpoints: { value: true, type: 'NodeDaemonEndpoints' },
      nodeInfo: { value: true },
    },
  },
  ObjectFieldSelector: { atomic: true, fields: {} },
  ObjectMeta: {
    fields: {
      annotations: { map: true },
      finalizers: { merge: true, listType: 'set' },
      labels: { map: true },
      ownerReferences: { merge: true, mergeKey: 'uid', listType: 'map', keys: ['uid'], type: 'OwnerReference' },
    },
  },
  ObjectReference: { atomic: true, fields: {} },
  OwnerReference: { atomic: true, fields: {} },
  PersistentVolume: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'PersistentVolumeSpec' },
      status: { value: true },
    },
  },
  PersistentVolumeClaim: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'PersistentVolumeClaimSpec' },
      status: { value: true, type: 'PersistentVolumeClaimStatus' },
    },
  },
  PersistentVolumeClaimSpec: {
    fields: {
      dataSource: { type: 'TypedLocalObjectReference' },
      resources: { value: true, type: 'VolumeResourceRequirements' },
      selector: { type: 'LabelSelector' },
    },
  },
  PersistentVolumeClaimStatus: {
    fields: {
      allocatedResourceStatuses: { map: true },
      allocatedResources: { map: true },
      capacity: { map: true },
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  PersistentVolumeClaimTemplate: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'PersistentVolumeClaimSpec' },
    },
  },
  PersistentVolumeSpec: {
    fields: {
      capacity: { map: true },
      cephfs: { type: 'CephFSPersistentVolumeSource' },
      cinder: { type: 'CinderPersistentVolumeSource' },
      claimRef: { type: 'ObjectReference', atomic: false },
      csi: { type: 'CSIPersistentVolumeSource' },
      flexVolume: { type: 'FlexPersistentVolumeSource' },
      iscsi: { type: 'ISCSIPersistentVolumeSource' },
      nodeAffinity: { type: 'VolumeNodeAffinity' },
      rbd: { type: 'RBDPersistentVolumeSource' },
      scaleIO: { type: 'ScaleIOPersistentVolumeSource' },
      storageos: { type: 'StorageOSPersistentVolumeSource' },
    },
  },
  Pod: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'PodSpec' },
      status: { value: true, type: 'PodStatus' },
    },
  },
  PodDisruptionBudget: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'PodDisruptionBudgetSpec' },
      status: { value: true, type: 'PodDisruptionBudgetStatus' },
    },
  },
  PodDisruptionBudgetSpec: { fields: { selector: { type: 'LabelSelector', replace: true } } },
  PodDisruptionBudgetStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
      disruptedPods: { map: true },
    },
  },
  PodSpec: {
    fields: {
      affinity: { type: 'Affinity' },
      containers: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'Container', present: true },
      ephemeralContainers: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'Container' },
      hostAliases: { merge: true, mergeKey: 'ip', listType: 'map', keys: ['ip'] },
      imagePullSecrets: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'LocalObjectReference' },
      initContainers: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'Container' },
      nodeSelector: { map: true, atomic: true },
      overhead: { map: true },
      resourceClaims: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'] },
      schedulingGates: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'] },
      topologySpreadConstraints: { merge: true, mergeKey: 'topologyKey', listType: 'map', keys: ['topologyKey', 'whenUnsatisfiable'], type: 'TopologySpreadConstraint' },
      volumes: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'Volume' },
    },
  },
  PodStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
      hostIPs: { merge: true, mergeKey: 'ip', listType: 'atomic' },
      podIPs: { merge: true, mergeKey: 'ip', listType: 'map', keys: ['ip'] },
      resourceClaimStatuses: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'] },
    },
  },
  PodTemplate: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      template: { value: true, type: 'PodTemplateSpec' },
    },
  },
  PodTemplateSpec: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'PodSpec' },
    },
  },
  PriorityClass: { fields: { metadata: { value: true, type: 'ObjectMeta' } } },
  RBDPersistentVolumeSource: { fields: { secretRef: { type: 'SecretReference' } } },
  RBDVolumeSource: { fields: { secretRef: { type: 'LocalObjectReference' } } },
  ReplicaSet: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'ReplicaSetSpec' },
      status: { value: true, type: 'ReplicaSetStatus' },
    },
  },
  ReplicaSetSpec: {
    fields: {
      selector: { type: 'LabelSelector' },
      template: { value: true, type: 'PodTemplateSpec' },
    },
  },
  ReplicaSetStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  ReplicationController: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'ReplicationControllerSpec' },
      status: { value: true, type: 'ReplicationControllerStatus' },
    },
  },
  ReplicationControllerSpec: {
    fields: {
      selector: { map: true, atomic: true },
      template: { type: 'PodTemplateSpec' },
    },
  },
  ReplicationControllerStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  ResourceFieldSelector: { atomic: true, fields: {} },
  ResourceQuota: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'ResourceQuotaSpec' },
      status: { value: true, type: 'ResourceQuotaStatus' },
    },
  },
  ResourceQuotaSpec: { fields: { hard: { map: true }, scopeSelector: { type: 'ScopeSelector' } } },
  ResourceQuotaStatus: { fields: { hard: { map: true }, used: { map: true } } },
  ResourceRequirements: {
    fields: {
      claims: { listType: 'map', keys: ['name'] },
      limits: { map: true },
      requests: { map: true },
    },
  },
  Role: { fields: { metadata: { value: true, type: 'ObjectMeta' } } },
  RoleBinding: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      roleRef: { value: true, type: 'RoleRef' },
    },
  },
  RoleRef: { atomic: true, fields: {} },
  Scale: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true },
      status: { value: true },
    },
  },
  ScaleIOPersistentVolumeSource: { fields: { secretRef: { type: 'SecretReference' } } },
  ScaleIOVolumeSource: { fields: { secretRef: { type: 'LocalObjectReference' } } },
  ScopeSelector: { atomic: true, fields: {} },
  Secret: {
    fields: {
      data: { map: true },
      metadata: { value: true, type: 'ObjectMeta' },
      stringData: { map: true },
    },
  },
  SecretKeySelector: { atomic: true, fields: {} },
  SecretReference: { atomic: true, fields: {} },
  Service: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'ServiceSpec' },
      status: { value: true, type: 'ServiceStatus' },
    },
  },
  ServiceAccount: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      secrets: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'ObjectReference' },
    },
  },
  ServiceBackendPort: { atomic: true, fields: {} },
  ServiceSpec: {
    fields: {
      ports: { merge: true, mergeKey: 'port', listType: 'map', keys: ['port', 'protocol'], keyDefaults: TCP },
      selector: { map: true, atomic: true },
    },
  },
  ServiceStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
      loadBalancer: { value: true },
    },
  },
  StatefulSet: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'StatefulSetSpec' },
      status: { value: true, type: 'StatefulSetStatus' },
    },
  },
  StatefulSetSpec: {
    fields: {
      selector: { type: 'LabelSelector' },
      template: { value: true, type: 'PodTemplateSpec' },
      updateStrategy: { value: true },
    },
  },
  StatefulSetStatus: {
    fields: {
      conditions: { merge: true, mergeKey: 'type', listType: 'map', keys: ['type'] },
    },
  },
  StorageClass: { fields: { metadata: { value: true, type: 'ObjectMeta' }, parameters: { map: true } } },
  StorageOSPersistentVolumeSource: { fields: { secretRef: { type: 'ObjectReference' } } },
  StorageOSVolumeSource: { fields: { secretRef: { type: 'LocalObjectReference' } } },
  TopologySpreadConstraint: { fields: { labelSelector: { type: 'LabelSelector' } } },
  TypedLocalObjectReference: { atomic: true, fields: {} },
  UncountedTerminatedPods: { fields: { failed: { listType: 'set' }, succeeded: { listType: 'set' } } },
  ValidatingWebhook: {
    fields: {
      clientConfig: { value: true },
      matchConditions: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'] },
      namespaceSelector: { type: 'LabelSelector' },
      objectSelector: { type: 'LabelSelector' },
    },
  },
  ValidatingWebhookConfiguration: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      webhooks: { merge: true, mergeKey: 'name', listType: 'map', keys: ['name'], type: 'ValidatingWebhook' },
    },
  },
  Volume: {
    fields: {
      cephfs: { type: 'CephFSVolumeSource' },
      cinder: { type: 'CinderVolumeSource' },
      csi: { type: 'CSIVolumeSource' },
      ephemeral: { type: 'EphemeralVolumeSource' },
      flexVolume: { type: 'FlexVolumeSource' },
      iscsi: { type: 'ISCSIVolumeSource' },
      rbd: { type: 'RBDVolumeSource' },
      scaleIO: { type: 'ScaleIOVolumeSource' },
      storageos: { type: 'StorageOSVolumeSource' },
    },
  },
  VolumeAttachment: {
    fields: {
      metadata: { value: true, type: 'ObjectMeta' },
      spec: { value: true, type: 'VolumeAttachmentSpec' },
      status: { value: true, type: 'VolumeAttachmentStatus' },
    },
  },
  VolumeAttachmentSource: { fields: { inlineVolumeSpec: { type: 'PersistentVolumeSpec' } } },
  VolumeAttachmentSpec: { fields: { source: { value: true, type: 'VolumeAttachmentSource' } } },
  VolumeAttachmentStatus: { fields: { attachmentMetadata: { map: true } } },
  VolumeNodeAffinity: { fields: { required: { type: 'NodeSelector' } } },
  VolumeResourceRequirements: { fields: { limits: { map: true }, requests: { map: true } } },
};

/** "<group>/<Kind>" → the type of the whole object. */
export const KUBE_ROOTS: Record<string, string> = {
  '/Pod': 'Pod',
  '/Service': 'Service',
  '/Endpoints': 'Endpoints',
  '/ConfigMap': 'ConfigMap',
  '/Secret': 'Secret',
  '/Namespace': 'Namespace',
  '/Node': 'Node',
  '/Event': 'Event',
  '/ServiceAccount': 'ServiceAccount',
  '/PersistentVolume': 'PersistentVolume',
  '/PersistentVolumeClaim': 'PersistentVolumeClaim',
  '/LimitRange': 'LimitRange',
  '/ResourceQuota': 'ResourceQuota',
  '/ReplicationController': 'ReplicationController',
  '/PodTemplate': 'PodTemplate',
  '/ComponentStatus': 'ComponentStatus',
  'apps/Deployment': 'Deployment',
  'apps/ReplicaSet': 'ReplicaSet',
  'apps/DaemonSet': 'DaemonSet',
  'apps/StatefulSet': 'StatefulSet',
  'apps/ControllerRevision': 'ControllerRevision',
  'batch/Job': 'Job',
  'batch/CronJob': 'CronJob',
  'autoscaling/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'networking.k8s.io/Ingress': 'Ingress',
  'networking.k8s.io/IngressClass': 'IngressClass',
  'networking.k8s.io/NetworkPolicy': 'NetworkPolicy',
  'discovery.k8s.io/EndpointSlice': 'EndpointSlice',
  'rbac.authorization.k8s.io/Role': 'Role',
  'rbac.authorization.k8s.io/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding': 'ClusterRoleBinding',
  'storage.k8s.io/StorageClass': 'StorageClass',
  'coordination.k8s.io/Lease': 'Lease',
  'policy/PodDisruptionBudget': 'PodDisruptionBudget',
  'scheduling.k8s.io/PriorityClass': 'PriorityClass',
  'events.k8s.io/Event': 'EventsV1Event',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': 'ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': 'MutatingWebhookConfiguration',
  'storage.k8s.io/CSINode': 'CSINode',
  'storage.k8s.io/CSIDriver': 'CSIDriver',
  'storage.k8s.io/VolumeAttachment': 'VolumeAttachment',
  'autoscaling/Scale': 'Scale',
  'policy/Eviction': 'Eviction',
  '/Binding': 'Binding',
  'apiextensions.k8s.io/CustomResourceDefinition': 'CustomResourceDefinition',
};
