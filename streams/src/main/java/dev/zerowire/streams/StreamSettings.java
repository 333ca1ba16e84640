package dev.zerowire.streams;

/**
 * How much a connection stage keeps in flight on the way out: the bound that turns a socket that
 * cannot write (a peer that does not read) into backpressure on the upstream.
 *
 * <p>The stage copies each outbound {@code ByteString} into {@code NativeBuffer}s of at most
 * {@code maxSendBytes} and sends each as one {@code Send}. It pulls the upstream only while fewer
 * than {@code maxInFlightSends} Sends, and fewer than {@code maxInFlightBytes} bytes, wait for
 * their outcome. The two bounds are also capped at the socket's {@code maxQueuedBytes} and
 * {@code maxQueuedSends}, which keeps the socket from ever refusing a Send for room (see {@link
 * WriteWindow} for why that matters to byte order).
 *
 * @param maxInFlightSends Sends without an outcome, at most
 * @param maxInFlightBytes bytes in Sends without an outcome, at most
 * @param maxSendBytes bytes per Send (and per buffer); a larger element is split
 */
public record StreamSettings(int maxInFlightSends, long maxInFlightBytes, int maxSendBytes) {

  public StreamSettings {
    if (maxInFlightSends < 1 || maxInFlightBytes < 1 || maxSendBytes < 1) {
      throw new IllegalArgumentException("invalid stream settings: " + this);
    }
  }

  /** 64 Sends, 8 MiB, 256 KiB per Send. */
  public static StreamSettings defaults() {
    return new StreamSettings(64, 8L << 20, 256 << 10);
  }

  public StreamSettings withMaxInFlightSends(int n) {
    return new StreamSettings(n, maxInFlightBytes, maxSendBytes);
  }

  public StreamSettings withMaxInFlightBytes(long n) {
    return new StreamSettings(maxInFlightSends, n, maxSendBytes);
  }

  public StreamSettings withMaxSendBytes(int n) {
    return new StreamSettings(maxInFlightSends, maxInFlightBytes, n);
  }
}
