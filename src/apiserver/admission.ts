// Admission: plugins that may mutate (admit) and then check (validate) a write after
// authentication and authorization, before it is stored — upstream's admission chain shape.
import type { ResourceType } from '../api/registry.js';
import type { KubeObject } from '../client/api.js';
import type { UserInfo } from '../client/transport.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionAttributes {
  operation: Operation;
  rt: ResourceType;
  subresource: string;
  namespace?: string;
  name: string;
  /** The incoming object (mutable in admit). */
  object?: KubeObject;
  oldObject?: KubeObject;
  user?: UserInfo;
  dryRun: boolean;
}

export interface AdmissionPlugin {
  readonly name: string;
  admit?(a: AdmissionAttributes): Promise<void> | void;
  validate?(a: AdmissionAttributes): Promise<void> | void;
}

export class AdmissionChain {
  constructor(private readonly plugins: AdmissionPlugin[] = []) {}

  add(p: AdmissionPlugin): void {
    this.plugins.push(p);
  }

  async run(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(a);
    for (const p of this.plugins) if (p.validate) await p.validate(a);
  }
}
