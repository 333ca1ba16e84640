package dev.zerowire.nativeio;

/**
 * Receives what {@link NativeSocket#drainErrorQueue} reads, one call per error-queue message, on
 * the draining thread. Implementations must not block.
 */
public interface ErrorQueueHandler {
  /**
   * MSG_ZEROCOPY sends {@code lo..hi} (inclusive, may wrap past 2^32) are done: the kernel holds
   * no reference to their pages any more.
   *
   * @param copied SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied the data after all (loopback,
   *     or a device without scatter-gather), so zero copy only cost time for these sends
   */
  void onCompletion(int lo, int hi, boolean copied);

  /**
   * Any other error-queue message: an ICMP error, a timestamp, a local error, or a message whose
   * control data was truncated. Never a completion.
   */
  void onOtherError(ExtendedError error);
}
