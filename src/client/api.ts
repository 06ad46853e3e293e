// The API client contract every component (controllers, scheduler, agent, network, CLI)
// programs against. Implemented by RestClient over a Transport (HTTPS or in-process).
import type { ObjectMeta, ListMeta, Status } from 'kubernetes-types/meta/v1.js';
import type { ResourceType } from '../api/registry.js';
import type { KubeObjectShape } from './object-shape.js';
export type { KubeObjectShape } from './object-shape.js';

/** ObjectMeta without kubernetes-types' readonly markers: the server and controllers set those fields. */
export type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  [k: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** For ERROR events this is a Status. */
  object: T;
}

export interface WatchHandle {
  stop(): void;
}

export interface WatchCallbacks<T extends KubeObject> {
  onEvent(ev: WatchEvent<T>): void;
  /** The watch ended (server closed, timeout, transport error). err is set for failures. */
  onClose(err?: Error): void;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

/**
 * Addressing: a ResourceType from the registry (src/api/registry.ts) plus namespace (ignored for
 * cluster-scoped types; undefined = all namespaces for list/watch) and name.
 */
export interface ApiClient {
  get<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject>(rt: ResourceType, namespace?: string, opts?: ListOptions): Promise<KubeList<T>>;
  watch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, opts: WatchOptions, cb: WatchCallbacks<T>): WatchHandle;
  create<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  update<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT to the status subresource. */
  updateStatus<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject>(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: PatchOptions & { subresource?: string },
  ): Promise<T>;
  delete(rt: ResourceType, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject | Status>;
  /** POST to a subresource, e.g. pods/binding, pods/eviction. */
  createSubresource<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string, subresource: string, body: KubeObject): Promise<T>;
}

/** Thrown by ApiClient methods for non-2xx answers; carries the server's Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: Status,
  ) {
    super(status.message ?? `HTTP ${code}`);
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}
export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409 && e.reason === 'Conflict';
}
export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
}
