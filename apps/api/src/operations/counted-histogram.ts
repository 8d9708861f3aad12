import {
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValueWithName,
} from 'prom-client';

/** One label set's observations: counts per bucket (not cumulative), their sum and their number. */
interface Series<T extends string> {
  readonly labels: LabelValues<T>;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A prom-client Histogram for the delivery path: each observation is one map look-up by the caller's key and
 * an increment in an array of bucket counts. prom-client's own `observe` hashes the labels and reads bucket counts keyed
 * by the bound as a string on every call, a visible share of the fan-out's CPU once per delivered event
 * (docs/performance.md). Scraped, it exports exactly what a prom-client Histogram exports (cumulative `_bucket`s
 * with `le`, `+Inf`, `_sum`, `_count`). Only `record(key, value)` records here.
 */
export class CountedHistogram<T extends string> extends Histogram<T> {
  private readonly metricName: string;
  private readonly metricHelp: string;
  private readonly bounds: readonly number[];
  private readonly all = new Map<string, Series<T>>();
  private readonly labelsOf: (key: string) => LabelValues<T>;

  constructor(
    config: HistogramConfiguration<T> & {
      buckets: number[];
      /** A series' labels, from its key: made once, when the key is first recorded. */
      labelsOf: (key: string) => LabelValues<T>;
    },
  ) {
    super(config);
    this.labelsOf = config.labelsOf;
    this.metricName = config.name;
    this.metricHelp = config.help;
    this.bounds = [...config.buckets].sort((a, b) => a - b);
  }

  /** One observation for the series `key` stands for. */
  record(key: string, value: number): void {
    let series = this.all.get(key);
    if (!series) {
      series = { labels: this.labelsOf(key), counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.all.set(key, series);
    }
    let index = 0;
    while (index < this.bounds.length && value > (this.bounds[index] as number)) index++;
    series.counts[index] = (series.counts[index] as number) + 1;
    series.sum += value;
    series.count++;
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    return this.export((labels, extra) => ({ labels: { ...labels, ...extra } }));
  }

  /** What prom-client's Registry reads for the text format: the series' labels as shared labels. */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    return this.export((labels, extra) => ({ labels: extra as LabelValues<T>, sharedLabels: labels }));
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    (this.all as Map<string, Series<T>> | undefined)?.clear();
  }

  private export(
    place: (labels: LabelValues<T>, extra: Record<string, string | number>) => { labels: LabelValues<T>; sharedLabels?: LabelValues<T> },
  ): MetricObjectWithValues<MetricValueWithName<T>> {
    const values: (MetricValueWithName<T> & { exemplar?: null })[] = [];
    const bucket = `${this.metricName}_bucket`;
    for (const series of this.all.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, index) => {
        cumulative += series.counts[index] as number;
        values.push({ ...place(series.labels, { le }), value: cumulative, metricName: bucket, exemplar: null });
      });
      values.push({ ...place(series.labels, { le: '+Inf' }), value: series.count, metricName: bucket, exemplar: null });
      values.push({ ...place(series.labels, {}), value: series.sum, metricName: `${this.metricName}_sum` });
      values.push({ ...place(series.labels, {}), value: series.count, metricName: `${this.metricName}_count` });
    }
    // As prom-client's Histogram returns it (its typings declare `type` as a numeric enum the runtime does not use).
    const metric = { name: this.metricName, help: this.metricHelp, type: 'histogram', values, aggregator: 'sum' };
    return metric as unknown as MetricObjectWithValues<MetricValueWithName<T>>;
  }
}
