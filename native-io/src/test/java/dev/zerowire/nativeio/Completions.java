package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects what a socket's error queue reports, and checks the completions against sends made. */
final class Completions implements ErrorQueueHandler {
  record Range(int lo, int hi, boolean copied) {
    @Override
    public String toString() {
      return SendIds.toString(lo) + ".." + SendIds.toString(hi) + (copied ? " COPIED" : "");
    }
  }

  final List<Range> ranges = new ArrayList<>();
  final List<ExtendedError> others = new ArrayList<>();

  @Override
  public void onCompletion(int lo, int hi, boolean copied) {
    ranges.add(new Range(lo, hi, copied));
  }

  @Override
  public void onOtherError(ExtendedError error) {
    others.add(error);
  }

  /** How many ids the ranges seen so far name (overlaps counted twice). */
  long idsCovered() {
    return ranges.stream().mapToLong(r -> SendIds.rangeLength(r.lo, r.hi)).sum();
  }

  /**
   * Drains {@code s} until the completions name at least {@code ids} ids or the timeout passes,
   * waiting for EPOLLERR between drains; then drains once more so that extra ids would show.
   */
  Completions drainUntil(NativeSocket s, long ids) throws IOException {
    return drainUntil(s, ids, Loopback.TIMEOUT_MS);
  }

  /** As {@link #drainUntil(NativeSocket, long)}, waiting at most {@code timeoutMs}. */
  Completions drainUntil(NativeSocket s, long ids, int timeoutMs) throws IOException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    try (Epoll ep = new Epoll(1)) {
      ep.add(s.fd(), 0, 7); // EPOLLERR is always reported
      while (idsCovered() < ids && System.nanoTime() < deadline) {
        if (s.drainErrorQueue(this, 64) == 0) {
          ep.waitFor(50);
        }
      }
    }
    s.drainErrorQueue(this, 64);
    return this;
  }

  /**
   * The union of the ranges is exactly {@code 0..count-1}: sorted, they start at 0, each starts
   * right after the one before (no gap, no overlap), and the last ends at {@code count-1}.
   */
  void assertExactlyIds(long count, String context) {
    assertTrue(others.isEmpty(), context + ": unexpected error-queue messages " + others);
    assertRangesExactly(count, context);
  }

  /** As {@link #assertExactlyIds}, but other error-queue messages are allowed. */
  void assertRangesExactly(long count, String context) {
    List<Range> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparingLong(r -> Integer.toUnsignedLong(r.lo)));
    String seen = context + ": completions " + ranges + " for " + count + " zero-copy calls";
    if (count == 0) {
      assertTrue(ranges.isEmpty(), seen);
      return;
    }
    assertTrue(!sorted.isEmpty(), seen);
    long next = 0;
    for (Range r : sorted) {
      long lo = Integer.toUnsignedLong(r.lo);
      long hi = Integer.toUnsignedLong(r.hi);
      if (lo != next) {
        fail(seen + ": " + (lo < next ? "overlap" : "gap") + " at id " + Math.min(lo, next));
      }
      assertTrue(hi >= lo, seen + ": inverted range " + r);
      next = hi + 1;
    }
    assertEquals(count, next, seen);
    assertEquals(count, idsCovered(), seen);
  }

  boolean allCopied() {
    return ranges.stream().allMatch(Range::copied);
  }
}
