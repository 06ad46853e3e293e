// Status conditions of workload objects (Deployment, ReplicaSet), with upstream's update rules:
// setting a condition with the same status and reason is a no-op; a status change sets a new
// lastTransitionTime, otherwise the old one is kept.

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export function getCondition<C extends Condition>(conds: C[] | undefined, type: string): C | undefined {
  return conds?.find((c) => c.type === type);
}

/** Returns the new list (input untouched). */
export function setCondition<C extends Condition>(conds: C[] | undefined, cond: C): C[] {
  const list = conds ?? [];
  const cur = getCondition(list, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return list;
  const next = { ...cond };
  if (cur && cur.status === cond.status && 'lastTransitionTime' in cur) next.lastTransitionTime = cur.lastTransitionTime;
  return [...list.filter((c) => c.type !== cond.type), next];
}

export function removeCondition<C extends Condition>(conds: C[] | undefined, type: string): C[] {
  return (conds ?? []).filter((c) => c.type !== type);
}
