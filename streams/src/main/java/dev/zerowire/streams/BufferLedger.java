package dev.zerowire.streams;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one connection stage did with native memory: buffers allocated, released, withheld (the
 * kernel never confirmed it let go, so they are kept forever, see {@code Failed#withheld}), and
 * the most it ever had in flight. Written by the stage and, after the stage stopped, by its
 * {@link StageInbox}; read by tests, so the counters are atomic.
 */
final class BufferLedger {
  final AtomicLong allocated = new AtomicLong();
  final AtomicLong released = new AtomicLong();
  final AtomicLong withheld = new AtomicLong();
  final AtomicLong resent = new AtomicLong();
  final AtomicLong maxInFlightSends = new AtomicLong();
  final AtomicLong maxInFlightBytes = new AtomicLong();

  /** Buffers neither released nor withheld yet. */
  long outstanding() {
    return allocated.get() - released.get() - withheld.get();
  }

  void observeInFlight(int sends, long bytes) {
    maxInFlightSends.accumulateAndGet(sends, Math::max);
    maxInFlightBytes.accumulateAndGet(bytes, Math::max);
  }

  @Override
  public String toString() {
    return "allocated " + allocated + ", released " + released + ", withheld " + withheld + ", resent " + resent
        + ", max in flight " + maxInFlightSends + " sends / " + maxInFlightBytes + " bytes";
  }
}
