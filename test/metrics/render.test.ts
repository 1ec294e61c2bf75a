// The exposition text of the metric families themselves: label escaping, bounded model and
// upstream labels, cumulative buckets, and micro-credits kept exact as integers past 2^53.
import { describe, expect, test } from 'bun:test';
import { parseConfig } from '../../src/config';
import { LabelSets } from '../../src/metrics/labels';
import { GatewayMetrics } from '../../src/metrics/metrics';
import { Histogram } from '../../src/metrics/registry';
import { renderHistogram } from '../../src/metrics/render';

const config = parseConfig({ upstreams: [{ name: 'gpu-a', url: 'http://127.0.0.1:9', models: ['llama'] }], prices: { 'priced-only': { input_per_million: 1 } } }, {});

describe('metric families', () => {
  test('models are labelled by name only when configured or priced; upstreams only when configured', () => {
    const metrics = new GatewayMetrics(config);
    expect([metrics.modelLabel('llama'), metrics.modelLabel('priced-only'), metrics.modelLabel('anything/else'), metrics.modelLabel(null)]).toEqual(['llama', 'priced-only', 'other', '']);
    metrics.recordUpstreamError('gpu-a');
    metrics.recordUpstreamError('dep_01HZXY');
    const text = metrics.render([]);
    expect(text).toContain('inferport_upstream_errors_total{upstream="gpu-a"} 1');
    expect(text).toContain('inferport_upstream_errors_total{upstream="deployment"} 1');
    expect(text).not.toContain('dep_01HZXY');
  });

  test('label values are escaped and each combination is built once', () => {
    const labels = new LabelSets(['route', 'status']);
    const first = labels.of2('/a"b\\c\nd', 200);
    expect(first).toBe('route="/a\\"b\\\\c\\nd",status="200"');
    expect(labels.of2('/a"b\\c\nd', 200)).toBe(first);
  });

  test('histogram buckets are cumulative, the value on a bound falls in it, +Inf holds all', () => {
    const histogram = new Histogram('h', 'help', [1, 2]);
    for (const value of [0.5, 1, 1.5, 7]) histogram.observe('', value);
    const lines: string[] = [];
    renderHistogram(histogram, lines);
    expect(lines).toEqual(['# HELP h help', '# TYPE h histogram', 'h_bucket{le="1"} 2', 'h_bucket{le="2"} 3', 'h_bucket{le="+Inf"} 4', 'h_sum 10', 'h_count 4']);
  });

  test('micro-credits stay exact integers beyond what a float holds', () => {
    const metrics = new GatewayMetrics(config);
    metrics.recordUsage('llama', 3, 4, 9_007_199_254_740_993n);
    metrics.recordUsage('llama', 0, 0, 1n);
    expect(metrics.render([])).toContain('inferport_credits_charged_micros_total{model="llama"} 9007199254740994');
  });
});
