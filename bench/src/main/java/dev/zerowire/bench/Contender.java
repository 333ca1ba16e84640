package dev.zerowire.bench;

import java.time.Duration;

/**
 * One implementation in one scenario at one parameter, opened and ready: what {@link Interleaved}
 * runs in turn with the others. Implementations keep their connection open between repetitions.
 */
interface Contender extends AutoCloseable {
  /** The implementation name reported in the results ({@code java-nio}, {@code zerowire-copy}, ...). */
  String impl();

  /** Runs for about {@code d} and discards the numbers: JIT, pools, TCP windows, adaptive modes settle. */
  default void warmUp(Duration d) throws Exception {
    measure(d);
  }

  /** One measured repetition of about {@code d}; throws when the run was wrong (bytes lost, a send failed). */
  Sample measure(Duration d) throws Exception;

  @Override
  default void close() throws Exception {}
}
