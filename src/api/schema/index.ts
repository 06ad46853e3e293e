// Kubernetes type schemas: definitions, per-kind lookup and unknown-field detection.
export { definitions, definitionNameFor, schemaFor, refName, REF_PREFIX, type Schema, type GroupVersionKind } from './definitions.js';
export { findUnknownFields, hasSchema, strictDecodingMessage, unknownFieldWarning } from './unknown-fields.js';
