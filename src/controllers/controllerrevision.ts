// ControllerRevisions for DaemonSets and StatefulSets (upstream controller/history): each distinct
// pod template is stored once as a revision named "<owner>-<hash>" whose data is the patch
// {"spec":{"template":{…,"$patch":"replace"}}}; revision numbers grow, re-applying an old template
// re-numbers its revision, and history beyond revisionHistoryLimit is pruned.
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, type ApiClient, type KubeObject } from '../client/api.js';
import { clone } from '../client/informer.js';
import { newControllerRef } from './controller-ref.js';
import { canonicalJson, computeTemplateHash } from './deployment/template-hash.js';
import { CONTROLLER_REVISIONS } from './kinds.js';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** Label upstream puts on the revision objects themselves. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

export type RevisionObj = ControllerRevision & KubeObject;

export function revisionData(template: PodTemplateSpec | undefined): unknown {
  return { spec: { template: { ...clone(template ?? {}), $patch: 'replace' } } };
}

/** The template a revision stores. */
export function templateOf(rev: ControllerRevision): PodTemplateSpec {
  const t = clone(((rev.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } })?.spec?.template ?? {}) as PodTemplateSpec & { $patch?: string });
  delete t.$patch;
  return t;
}

export function revisionHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  return computeTemplateHash(template, collisionCount);
}

function sameData(a: ControllerRevision, template: PodTemplateSpec | undefined): boolean {
  return canonicalJson(a.data) === canonicalJson(revisionData(template));
}

export interface RevisionSet {
  current: RevisionObj;
  hash: string;
  /** All revisions owned, including current, oldest first. */
  all: RevisionObj[];
  collisionCount: number;
}

/**
 * Find or create the revision for the owner's current template. `owned` are the revisions the
 * owner controls (from an informer).
 */
export async function ensureRevision(
  client: ApiClient,
  owner: KubeObject & { spec?: { template?: PodTemplateSpec } },
  ownerKind: 'DaemonSet' | 'StatefulSet',
  owned: RevisionObj[],
  collisionCount: number,
): Promise<RevisionSet> {
  const template = owner.spec?.template;
  const all = [...owned].sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  const maxRevision = all.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);
  const equal = all.filter((r) => sameData(r, template));
  if (equal.length > 0) {
    let cur = equal[equal.length - 1];
    if ((cur.revision ?? 0) !== maxRevision) {
      // Rolling back to an old template: it becomes the newest revision.
      cur = await client.update<RevisionObj>(CONTROLLER_REVISIONS, cur.metadata?.namespace, { ...clone(cur), revision: maxRevision + 1 } as RevisionObj);
      all.splice(all.indexOf(equal[equal.length - 1]), 1, cur);
    }
    return { current: cur, hash: cur.metadata?.labels?.[REVISION_HASH_LABEL] ?? revisionHash(template, collisionCount), all, collisionCount };
  }
  for (let cc = collisionCount; ; cc++) {
    const hash = revisionHash(template, cc);
    const rev: RevisionObj = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata!.name}-${hash}`,
        namespace: owner.metadata!.namespace,
        labels: { ...(template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(owner, 'apps/v1', ownerKind)],
      },
      data: revisionData(template) as RevisionObj['data'],
      revision: maxRevision + 1,
    };
    try {
      const created = await client.create<RevisionObj>(CONTROLLER_REVISIONS, owner.metadata!.namespace, rev);
      return { current: created, hash, all: [...all, created], collisionCount: cc };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await client.get<RevisionObj>(CONTROLLER_REVISIONS, owner.metadata!.namespace, rev.metadata!.name!);
      const mine = existing.metadata?.ownerReferences?.some((r) => r.uid === owner.metadata?.uid);
      if (mine && sameData(existing, template)) return { current: existing, hash, all: [...all, existing], collisionCount: cc };
      // A hash collision: bump collisionCount and try the next name.
    }
  }
}

/** Delete the oldest revisions beyond `limit`, never one in `live` (hashes in use). */
export async function truncateHistory(client: ApiClient, all: RevisionObj[], live: Set<string>, limit: number): Promise<void> {
  const candidates = all.filter((r) => !live.has(r.metadata?.labels?.[REVISION_HASH_LABEL] ?? '') && !live.has(r.metadata?.name ?? ''));
  const excess = candidates.length - limit;
  for (const r of candidates.slice(0, Math.max(0, excess))) {
    try {
      await client.delete(CONTROLLER_REVISIONS, r.metadata?.namespace, r.metadata!.name!);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
