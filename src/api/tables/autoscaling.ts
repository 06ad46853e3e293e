// HorizontalPodAutoscaler rows (TARGETS like `cpu: 50%/80%`), for autoscaling/v2 objects and for
// autoscaling/v1 ones (targetCPUUtilizationPercentage), which upstream converts to v2 first.
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import { ageColumn, column, nameColumn } from './columns.js';
import { formatAge } from './format.js';
import { canonicalQuantity } from './quantity-format.js';
import type { PrintContext, Printer, TableCell } from './types.js';

interface V1Fields {
  spec?: { targetCPUUtilizationPercentage?: number };
  status?: { currentCPUUtilizationPercentage?: number };
}

/** The v2 metrics of an HPA, deriving them from v1's CPU percentage fields when needed. */
function metricsOf(o: HorizontalPodAutoscaler & V1Fields): { specs: MetricSpec[]; statuses: MetricStatus[] } {
  let specs = o.spec?.metrics ?? [];
  let statuses = o.status?.currentMetrics ?? [];
  const target = o.spec?.targetCPUUtilizationPercentage;
  if (specs.length === 0 && target !== undefined && target !== null) {
    specs = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }];
    const current = o.status?.currentCPUUtilizationPercentage;
    if (statuses.length === 0 && current !== undefined && current !== null) {
      statuses = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }];
    }
  }
  return { specs, statuses };
}

const q = (v: string | number | undefined) => (v === undefined ? '<unknown>' : canonicalQuantity(v));

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case 'External': {
      const t = spec.external?.target;
      if (t?.averageValue !== undefined) {
        const cur = status?.external?.current?.averageValue;
        return `${cur === undefined ? '<unknown>' : q(cur)}/${q(t.averageValue)} (avg)`;
      }
      const cur = status?.external ? q(status.external.current?.value) : '<unknown>';
      return `${cur}/${q(t?.value)}`;
    }
    case 'Pods': {
      const cur = status?.pods ? q(status.pods.current?.averageValue) : '<unknown>';
      return `${cur}/${q(spec.pods?.target?.averageValue)}`;
    }
    case 'Object': {
      const t = spec.object?.target;
      if (t?.averageValue !== undefined) {
        const cur = status?.object?.current?.averageValue;
        return `${cur === undefined ? '<unknown>' : q(cur)}/${q(t.averageValue)} (avg)`;
      }
      const cur = status?.object ? q(status.object.current?.value) : '<unknown>';
      return `${cur}/${q(t?.value)}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const st = spec.type === 'Resource' ? status?.resource : status?.containerResource;
      const resName = src?.name ?? '';
      if (src?.target?.averageValue !== undefined) {
        const cur = st ? q(st.current?.averageValue) : '<unknown>';
        return `${resName}: ${cur}/${q(src.target.averageValue)}`;
      }
      const curUtil = st?.current?.averageUtilization;
      const cur = curUtil !== undefined && curUtil !== null ? `${curUtil}%` : '<unknown>';
      const tUtil = src?.target?.averageUtilization;
      const target = tUtil !== undefined && tUtil !== null ? `${tUtil}%` : '<auto>';
      return `${resName}: ${cur}/${target}`;
    }
    default:
      return '<unknown type>';
  }
}

/** The TARGETS cell: up to two metrics, then `+ N more...`. */
export function formatHpaTargets(o: HorizontalPodAutoscaler): string {
  const { specs, statuses } = metricsOf(o);
  if (specs.length === 0) return '<none>';
  const list = specs.map((s, i) => formatMetric(s, statuses[i]));
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Reference', 'string', 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.'),
    column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
    column('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
    ageColumn(),
  ],
  cells(o: HorizontalPodAutoscaler, ctx: PrintContext): TableCell[] {
    const ref = o.spec?.scaleTargetRef;
    const min = o.spec?.minReplicas;
    return [
      o.metadata?.name ?? '',
      `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
      formatHpaTargets(o),
      min === undefined || min === null ? '<unset>' : String(min),
      o.spec?.maxReplicas ?? 0,
      o.status?.currentReplicas ?? 0,
      formatAge(o.metadata?.creationTimestamp, ctx.now),
    ];
  },
};
