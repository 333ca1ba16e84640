package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void medianOfOddAndEvenCounts() {
    assertEquals(3.0, Stats.median(5, 1, 3));
    assertEquals(2.5, Stats.median(4, 1, 3, 2));
    assertEquals(7.0, Stats.median(7));
  }

  @Test
  void medianDoesNotReorderItsInput() {
    double[] v = {3, 1, 2};
    Stats.median(v);
    assertEquals(3.0, v[0]);
  }

  @Test
  void minAndMax() {
    assertEquals(-2.0, Stats.min(4, -2, 9));
    assertEquals(9.0, Stats.max(4, -2, 9));
  }

  @Test
  void noValuesIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> Stats.median());
    assertThrows(IllegalArgumentException.class, () -> Stats.min());
  }

  @Test
  void nearestRankPercentiles() {
    long[] sorted = new long[100];
    for (int i = 0; i < 100; i++) {
      sorted[i] = i + 1; // 1..100
    }
    assertEquals(50, Stats.percentile(sorted, 100, 50));
    assertEquals(99, Stats.percentile(sorted, 100, 99));
    assertEquals(100, Stats.percentile(sorted, 100, 100));
    assertEquals(1, Stats.percentile(sorted, 100, 0.5));
    assertEquals(10, Stats.percentile(new long[] {10}, 1, 99));
    assertThrows(IllegalArgumentException.class, () -> Stats.percentile(sorted, 100, 0));
    assertThrows(IllegalArgumentException.class, () -> Stats.percentile(sorted, 100, 101));
  }

  @Test
  void longSamplesGrowAndReportPercentiles() {
    LongSamples s = new LongSamples(1);
    for (int i = 1000; i >= 1; i--) {
      s.add(i);
    }
    assertEquals(1000, s.count());
    assertEquals(990, s.percentile(99));
    assertEquals(500, s.percentile(50));
    s.clear();
    assertEquals(0, s.count());
  }
}
