package dev.zerowire.bench;

import dev.zerowire.blight.Repaint;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * A blight client as the small-messages and round-trip scenarios drive it: connected to the
 * bench's Java-side blight server, and owned by the bench until {@link #close()}.
 *
 * <p>Two implementations meet here: {@link NaiveTwoWritesClient} (what libblight does: header and
 * payload in two blocking writes per message) and {@link ZeroWireBlightClient} (zerowire's blight
 * client actor).
 */
public interface BlightClientUnderTest extends AutoCloseable {
  /**
   * Sends Repaint messages (12-byte header + 36-byte {@code repaint} payload) back to back until
   * {@code deadlineNanos} ({@link System#nanoTime()}), without waiting for acks. Returns the number
   * of messages sent, once every one of them has been handed to the kernel in full.
   */
  long streamRepaints(Repaint repaint, long deadlineNanos) throws Exception;

  /**
   * Sends Info requests for {@code surfaceId} one at a time until {@code deadlineNanos}, each
   * waiting for the server's Ack (with its 32-byte surface info) before the next. Reports each
   * request's latency, send to Ack received, to {@code latencyNanos}; returns the number of
   * completed requests.
   */
  long infoRoundTrips(int surfaceId, long deadlineNanos, LongConsumer latencyNanos) throws Exception;

  /**
   * The one thread that does all of this client's sending, when there is one: its CPU time is
   * then measured alone. Empty for actor-based clients (process CPU minus the server's threads).
   */
  default Optional<Thread> senderThread() {
    return Optional.empty();
  }

  /** Adds implementation-specific figures for the repetition just measured to {@code s}. */
  default void extras(Sample s) throws Exception {
  }

  @Override
  void close() throws Exception;
}
