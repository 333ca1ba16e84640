package dev.zerowire.bench;

import java.util.Arrays;

/**
 * A growable list of primitive longs (latency samples in nanoseconds) that never boxes, so that
 * recording a sample on the hot path allocates only when the array doubles.
 */
final class LongSamples {
  private long[] values;
  private int count;

  LongSamples(int initialCapacity) {
    values = new long[Math.max(16, initialCapacity)];
  }

  void add(long v) {
    if (count == values.length) {
      values = Arrays.copyOf(values, count * 2);
    }
    values[count++] = v;
  }

  int count() {
    return count;
  }

  void clear() {
    count = 0;
  }

  /** Sorts in place and returns the nearest-rank percentile; the list stays sorted. */
  long percentile(double p) {
    Arrays.sort(values, 0, count);
    return Stats.percentile(values, count, p);
  }
}
