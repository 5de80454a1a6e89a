/**
 * Fargate's built-in log router, as data: the `aws-observability` namespace and its `aws-logging`
 * ConfigMap, in the shape of AWS's documented CloudWatch example (a crio parser filter, the
 * kubernetes filter, one cloudwatch_logs output for kube.*). Fargate accepts only [FILTER],
 * [OUTPUT] and [PARSER] sections there, and at most 5,300 characters: the section type allows
 * nothing else, and the size is checked here. Pure: model and cluster in, objects out.
 *
 * The ConfigMap is cluster-wide, one per cluster: every app bootstrapped into a cluster writes the
 * same one, so they must agree on cluster.logging.
 */
import type { ClusterTarget, Model } from '../../model/model.js';

export const OBSERVABILITY_NAMESPACE = 'aws-observability';
export const LOGGING_CONFIGMAP = 'aws-logging';
/** EKS ignores an aws-logging ConfigMap of this many characters or more. */
export const LOGGING_MAX_CHARS = 5300;

/** A Fluent Bit section: only the kinds Fargate accepts. Entries are written in order. */
export interface FluentBitSection {
  readonly kind: 'FILTER' | 'OUTPUT' | 'PARSER';
  readonly entries: readonly (readonly [key: string, value: string])[];
}

/** The log group of a cluster: cluster.logging.logGroup, else /aws/eks/<cluster>/fargate. */
export function logGroupOf(m: Model, cluster: ClusterTarget): string {
  return m.cluster.logging.logGroup ?? `/aws/eks/${cluster.name}/fargate`;
}

/** The Fluent Bit configuration, by the ConfigMap key it goes in. */
export function fluentBitSections(m: Model, cluster: ClusterTarget): Record<'filters.conf' | 'output.conf' | 'parsers.conf', FluentBitSection[]> {
  return {
    'filters.conf': [
      // The container runtime writes "<time> <stream> <P|F> <log>": take the log line out first.
      { kind: 'FILTER', entries: [['Name', 'parser'], ['Match', '*'], ['Key_name', 'log'], ['Parser', 'crio']] },
      {
        kind: 'FILTER',
        entries: [
          ['Name', 'kubernetes'],
          ['Match', 'kube.*'],
          // A JSON log line becomes fields; the raw line is then dropped.
          ['Merge_Log', 'On'],
          ['Keep_Log', 'Off'],
          ['Buffer_Size', '0'],
          ['Kube_Meta_Cache_TTL', '300s'],
        ],
      },
    ],
    'output.conf': [
      {
        kind: 'OUTPUT',
        entries: [
          ['Name', 'cloudwatch_logs'],
          ['Match', 'kube.*'],
          ['region', cluster.region],
          ['log_group_name', logGroupOf(m, cluster)],
          ['log_stream_prefix', 'from-fluent-bit-'],
          ['log_retention_days', String(m.cluster.logging.retentionDays)],
          ['auto_create_group', 'true'],
        ],
      },
    ],
    'parsers.conf': [
      {
        kind: 'PARSER',
        entries: [
          ['Name', 'crio'],
          ['Format', 'Regex'],
          ['Regex', '^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>P|F) (?<log>.*)$'],
          ['Time_Key', 'time'],
          ['Time_Format', '%Y-%m-%dT%H:%M:%S.%L%z'],
        ],
      },
    ],
  };
}

/** Fluent Bit's classic format: `[KIND]`, then one indented `Key value` line per entry. */
export function fluentBitText(sections: readonly FluentBitSection[]): string {
  const lines: string[] = [];
  for (const s of sections) {
    lines.push(`[${s.kind}]`);
    for (const [key, value] of s.entries) {
      // One line per entry is the format's only structure: a line break in a value would start a new entry.
      if (!/^[A-Za-z0-9_.-]+$/.test(key) || /[\r\n]/.test(value) || value.trim() !== value || value === '') {
        throw new Error(`fluent bit: cannot write entry ${JSON.stringify(key)} = ${JSON.stringify(value)}`);
      }
      lines.push(`    ${key} ${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Characters the ConfigMap's data holds (keys and values), as EKS counts toward its limit. */
export const loggingSize = (data: Readonly<Record<string, string>>): number =>
  Object.entries(data).reduce((n, [k, v]) => n + k.length + v.length, 0);

/** The aws-logging ConfigMap's data. Throws when it would reach EKS's size limit (EKS would ignore it). */
export function loggingData(m: Model, cluster: ClusterTarget): Record<string, string> {
  const sections = fluentBitSections(m, cluster);
  const data: Record<string, string> = {
    // Fluent Bit's own process logs stay out of CloudWatch.
    flb_log_cw: 'false',
    'filters.conf': fluentBitText(sections['filters.conf']),
    'output.conf': fluentBitText(sections['output.conf']),
    'parsers.conf': fluentBitText(sections['parsers.conf']),
  };
  const size = loggingSize(data);
  if (size >= LOGGING_MAX_CHARS) {
    throw new Error(`the ${LOGGING_CONFIGMAP} ConfigMap would hold ${size} characters; EKS ignores one of ${LOGGING_MAX_CHARS} or more`);
  }
  return data;
}
