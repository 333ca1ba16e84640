package dev.zerowire.bench;

import java.util.Arrays;
import java.util.Collection;

/**
 * Order statistics for a handful of repetitions (median, min, max) and for latency samples
 * (percentiles). Nearest-rank definitions throughout, so every reported value is one that was
 * actually measured, never an interpolation between two.
 */
final class Stats {
  private Stats() {}

  /** The median; for an even count, the mean of the two middle values. */
  static double median(double... values) {
    requireSome(values.length);
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return (n & 1) == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  static double median(Collection<Double> values) {
    return median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  static double min(double... values) {
    requireSome(values.length);
    return Arrays.stream(values).min().orElseThrow();
  }

  static double max(double... values) {
    requireSome(values.length);
    return Arrays.stream(values).max().orElseThrow();
  }

  /**
   * The nearest-rank {@code p}-th percentile (0 &lt; p &lt;= 100) of {@code sorted}, which must be
   * sorted ascending: the smallest value with at least p% of the samples at or below it.
   */
  static long percentile(long[] sorted, int count, double p) {
    requireSome(count);
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100], was " + p);
    }
    int rank = (int) Math.ceil(p / 100.0 * count); // 1-based
    return sorted[Math.max(0, Math.min(count, rank) - 1)];
  }

  private static void requireSome(int n) {
    if (n == 0) {
      throw new IllegalArgumentException("no values");
    }
  }
}
