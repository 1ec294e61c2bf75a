// The metrics of one inferport process, counted as things happen (requests, tokens, charges,
// settlement batches, upstream failures, quota refusals) and rendered at scrape time together
// with the gauges read then (routes.ts). Labels are bounded: models only when configured or
// priced ("other" otherwise), upstreams only when configured ("deployment" for an account's
// own), routes by their pattern; never an account, a key or anything a client chose.
import type { Config } from '../config';
import { LabelSets } from './labels';
import { Counter, Histogram, MicrosCounter, type Gauge } from './registry';
import { renderCounter, renderGauge, renderHistogram } from './render';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const COMMIT_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The refusals counted as quota rejections: plan quotas, the wallet, the auth-failure block. */
const QUOTA_REASONS = new Set(['rate_limit_exceeded', 'quota_exceeded', 'quota_unavailable', 'insufficient_credits', 'too_many_auth_failures']);

export const OTHER_MODEL = 'other';
export const UNMATCHED_ROUTE = 'unmatched';

export class GatewayMetrics {
  readonly requests = new Counter('inferport_http_requests_total', 'HTTP requests by route pattern, model (generation routes) and status.');
  readonly duration = new Histogram('inferport_http_request_duration_seconds', 'Request latency by route pattern; a stream until its end.', SECONDS_BUCKETS);
  readonly ttft = new Histogram('inferport_time_to_first_token_seconds', 'Streams: from the request to the first content chunk, by model.', TTFT_BUCKETS);
  readonly upstreamErrors = new Counter('inferport_upstream_errors_total', 'Upstream attempts that failed (unreachable or 5xx), by upstream.');
  readonly tokens = new Counter('inferport_tokens_total', 'Tokens charged for, by model and kind (prompt, completion).');
  readonly charged = new MicrosCounter('inferport_credits_charged_micros_total', 'Micro-credits charged for requests (committed), by model.');
  readonly batchSize = new Histogram('inferport_settlement_batch_size', 'Requests per settlement batch written by the meter.', BATCH_SIZE_BUCKETS);
  readonly batchCommit = new Histogram('inferport_settlement_commit_seconds', 'Time to commit one settlement batch.', COMMIT_SECONDS_BUCKETS);
  readonly quotaRejections = new Counter('inferport_quota_rejections_total', 'Requests refused by a quota, a rate limit, the wallet or the auth-failure block, by reason.');

  private readonly requestLabels = new LabelSets(['route', 'model', 'status']);
  private readonly routeLabels = new LabelSets(['route']);
  private readonly modelLabels = new LabelSets(['model']);
  private readonly tokenLabels = new LabelSets(['model', 'kind']);
  private readonly upstreamLabels = new LabelSets(['upstream']);
  private readonly reasonLabels = new LabelSets(['reason']);
  private readonly models: ReadonlySet<string>;
  private readonly upstreams: ReadonlySet<string>;

  constructor(config: Config) {
    this.models = new Set([...config.upstreams.flatMap((upstream) => upstream.models), ...Object.keys(config.prices.models)]);
    this.upstreams = new Set(config.upstreams.map((upstream) => upstream.name));
  }

  /** The model as a label: configured or priced models by name, any other as "other" ("" when none). */
  modelLabel(model: string | null): string {
    if (model === null) return '';
    return this.models.has(model) ? model : OTHER_MODEL;
  }

  recordRequest(route: string, model: string | null, status: number, seconds: number): void {
    this.requests.add(this.requestLabels.of3(route, this.modelLabel(model), status));
    this.duration.observe(this.routeLabels.of1(route), seconds);
  }

  recordTimeToFirstToken(model: string, seconds: number): void {
    this.ttft.observe(this.modelLabels.of1(this.modelLabel(model)), seconds);
  }

  /** A request's usage, once its charge (0 for plan keys) has committed. */
  recordUsage(model: string, promptTokens: number, completionTokens: number, chargedMicros: bigint): void {
    const label = this.modelLabel(model);
    this.tokens.add(this.tokenLabels.of2(label, 'prompt'), promptTokens);
    this.tokens.add(this.tokenLabels.of2(label, 'completion'), completionTokens);
    this.charged.add(this.modelLabels.of1(label), chargedMicros);
  }

  recordUpstreamError(upstream: string): void {
    this.upstreamErrors.add(this.upstreamLabels.of1(this.upstreams.has(upstream) ? upstream : 'deployment'));
  }

  /** The meter's hook: one settlement batch committed, of `size` requests, in `ms`. */
  recordBatch(size: number, ms: number): void {
    this.batchSize.observe('', size);
    this.batchCommit.observe('', ms / 1000);
  }

  /** Every error answer passes here (app.ts onError); only the quota-like ones are counted. */
  recordRefusal(code: string): void {
    if (QUOTA_REASONS.has(code)) this.quotaRejections.add(this.reasonLabels.of1(code));
  }

  render(gauges: Gauge[]): string {
    const lines: string[] = [];
    for (const counter of [this.requests, this.upstreamErrors, this.tokens, this.charged, this.quotaRejections]) renderCounter(counter, lines);
    for (const histogram of [this.duration, this.ttft, this.batchSize, this.batchCommit]) renderHistogram(histogram, lines);
    for (const gauge of gauges) renderGauge(gauge, lines);
    return lines.join('\n') + '\n';
  }
}
