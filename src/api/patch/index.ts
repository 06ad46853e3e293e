// Patching: JSON patch, merge patch, strategic merge patch, and server-side apply with
// managedFields tracking for every write.
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export {
  serverSideApply,
  trackUpdate,
  fieldManagerFor,
  fieldManagerFromUserAgent,
  LAST_APPLIED_ANNOTATION,
  type ApplyOptions,
} from './apply.js';
export { isKnownKind } from './schema.js';
