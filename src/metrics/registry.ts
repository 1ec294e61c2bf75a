// Hand-written Prometheus metric families. The hot path adds to plain numbers in maps keyed by
// label strings built once per label combination (labels.ts), so counting a request allocates
// nothing once its combination has been seen. Rendering (render.ts) happens only at scrape time.

export class Counter {
  readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  add(labels: string, amount = 1): void {
    this.series.set(labels, (this.series.get(labels) ?? 0) + amount);
  }
}

/** A counter of micro-credits: bigint, so that it stays exact past 2^53 and prints as an integer. */
export class MicrosCounter {
  readonly series = new Map<string, bigint>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  add(labels: string, micros: bigint): void {
    this.series.set(labels, (this.series.get(labels) ?? 0n) + micros);
  }
}

export interface HistogramSeries {
  /** Observations per bucket, not cumulative (render.ts adds them up); the last slot is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram {
  readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds (`le`), ascending. */
    readonly bounds: readonly number[],
  ) {}

  observe(labels: string, value: number): void {
    let series = this.series.get(labels);
    if (!series) {
      series = { counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(labels, series);
    }
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    series.counts[bucket]! += 1;
    series.sum += value;
    series.count += 1;
  }
}

export interface Gauge {
  name: string;
  help: string;
  value: number;
}
