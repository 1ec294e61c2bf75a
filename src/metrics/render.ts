// The Prometheus text exposition format (version 0.0.4): HELP and TYPE, then one line a series;
// a histogram's buckets are cumulative, ending with +Inf, then its _sum and _count.
import type { Counter, Gauge, Histogram, MicrosCounter } from './registry';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderCounter(family: Counter | MicrosCounter, lines: string[]): void {
  header(family.name, family.help, 'counter', lines);
  for (const [labels, value] of family.series) lines.push(`${family.name}${braces(labels)} ${value}`);
}

export function renderHistogram(family: Histogram, lines: string[]): void {
  header(family.name, family.help, 'histogram', lines);
  for (const [labels, series] of family.series) {
    const prefix = labels === '' ? '' : `${labels},`;
    let cumulative = 0;
    family.bounds.forEach((bound, index) => {
      cumulative += series.counts[index]!;
      lines.push(`${family.name}_bucket{${prefix}le="${bound}"} ${cumulative}`);
    });
    lines.push(`${family.name}_bucket{${prefix}le="+Inf"} ${series.count}`);
    lines.push(`${family.name}_sum${braces(labels)} ${series.sum}`);
    lines.push(`${family.name}_count${braces(labels)} ${series.count}`);
  }
}

export function renderGauge(gauge: Gauge, lines: string[]): void {
  header(gauge.name, gauge.help, 'gauge', lines);
  lines.push(`${gauge.name} ${gauge.value}`);
}

function header(name: string, help: string, type: string, lines: string[]): void {
  lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
  lines.push(`# TYPE ${name} ${type}`);
}

function braces(labels: string): string {
  return labels === '' ? '' : `{${labels}}`;
}
