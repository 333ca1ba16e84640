package dev.zerowire.actors;

import java.time.Duration;

/**
 * Per-socket settings. Defaults come from {@code zerowire.socket} in the config ({@link
 * ZeroWire#defaultOptions()}); change one with the {@code with...} methods.
 *
 * @param mode zero-copy policy
 * @param zeroCopyThreshold sends smaller than this many bytes are copied (zero copy costs more
 *     than a copy below about 10 KB: Documentation/networking/msg_zerocopy.rst, "Notes")
 * @param maxQueuedBytes bytes accepted but not yet written; a send past it is refused
 * @param maxPinnedBytes bytes written zero-copy and not yet completed; past it writing pauses
 *     until completions return (bounds optmem and locked memory use)
 * @param closeTimeout bounds a graceful close from Close to Closed: writing out the queue,
 *     waiting for the peer's end of stream and for every completion; when it passes the
 *     connection is reset and whatever is left fails
 * @param resetGrace after a reset, how long to wait for the purged sends' completions (and for
 *     the reaper's last drain)
 * @param connectTimeout how long a Connect may take before it fails (including waiting for room
 *     in a full AF_UNIX listen backlog)
 * @param adaptiveCopiedToSwitch adaptive: consecutive COPIED completions that switch to copy
 * @param adaptiveProbeInterval adaptive: how long to stay in copy before trying zero copy again
 * @param sendBufferSize SO_SNDBUF to request, 0 for the kernel default
 * @param receiveBufferSize SO_RCVBUF to request, 0 for the kernel default
 * @param tcpNoDelay TCP_NODELAY on TCP sockets
 * @param readBufferSize bytes read per recv call
 * @param receivePoolChunks buffers of {@code readBufferSize} a socket may lend to its handler at
 *     once ({@code Register.withLentBuffers()}); with all of them out it stops reading
 * @param gatherLimit iovec entries per sendmsg (at most 1024)
 * @param gatherBytes bytes per stream sendmsg (a longer Send goes in several calls); datagrams
 *     are never cut
 * @param maxQueuedSends Sends accepted and without their outcome yet (queued, or written and
 *     awaiting their completion); a send past it is refused, as past {@code maxQueuedBytes}. Why a
 *     count beside the bytes: each Send costs the socket about 150 bytes of its own, so 64 MiB of
 *     1-byte Sends to a peer that stopped reading would have been 64 million entries
 */
public record SocketOptions(
    SendMode mode,
    int zeroCopyThreshold,
    long maxQueuedBytes,
    long maxPinnedBytes,
    Duration closeTimeout,
    Duration resetGrace,
    Duration connectTimeout,
    int adaptiveCopiedToSwitch,
    Duration adaptiveProbeInterval,
    int sendBufferSize,
    int receiveBufferSize,
    boolean tcpNoDelay,
    int readBufferSize,
    int receivePoolChunks,
    int gatherLimit,
    long gatherBytes,
    int maxQueuedSends) {

  public SocketOptions {
    if (zeroCopyThreshold < 0 || maxQueuedBytes <= 0 || maxPinnedBytes <= 0 || readBufferSize <= 0
        || receivePoolChunks < 1
        || gatherLimit < 1 || gatherLimit > 1024 || gatherBytes < 1 || adaptiveCopiedToSwitch < 1
        || sendBufferSize < 0 || receiveBufferSize < 0 || maxQueuedSends < 1
        || !positive(closeTimeout) || !positive(resetGrace) || !positive(connectTimeout)) {
      throw new IllegalArgumentException("invalid socket options: " + this);
    }
  }

  /**
   * The defaults of zerowire's own {@code reference.conf} ({@code zerowire.socket}), without an
   * application's overrides: what {@code ZeroWire.defaultOptions()} gives in a system configured
   * with nothing. For code that must match zerowire without an actor system (the benchmark's
   * floors gather as much per call as a socket does).
   */
  public static SocketOptions defaults() {
    return Settings.from(com.typesafe.config.ConfigFactory.defaultReference()).socket();
  }

  private static boolean positive(Duration d) {
    return d != null && !d.isNegative() && !d.isZero();
  }

  public SocketOptions withMode(SendMode m) {
    return with(b -> b.mode = m);
  }

  public SocketOptions withZeroCopyThreshold(int bytes) {
    return with(b -> b.zeroCopyThreshold = bytes);
  }

  public SocketOptions withLimits(long queuedBytes, long pinnedBytes) {
    return with(b -> {
      b.maxQueuedBytes = queuedBytes;
      b.maxPinnedBytes = pinnedBytes;
    });
  }

  public SocketOptions withMaxQueuedSends(int sends) {
    return with(b -> b.maxQueuedSends = sends);
  }

  public SocketOptions withBuffers(int sendBuffer, int receiveBuffer) {
    return with(b -> {
      b.sendBufferSize = sendBuffer;
      b.receiveBufferSize = receiveBuffer;
    });
  }

  public SocketOptions withTcpNoDelay(boolean on) {
    return with(b -> b.tcpNoDelay = on);
  }

  public SocketOptions withCloseTimeout(Duration close, Duration grace) {
    return with(b -> {
      b.closeTimeout = close;
      b.resetGrace = grace;
    });
  }

  public SocketOptions withConnectTimeout(Duration connect) {
    return with(b -> b.connectTimeout = connect);
  }

  public SocketOptions withAdaptive(int copiedToSwitch, Duration probeInterval) {
    return with(b -> {
      b.adaptiveCopiedToSwitch = copiedToSwitch;
      b.adaptiveProbeInterval = probeInterval;
    });
  }

  public SocketOptions withReadBufferSize(int bytes) {
    return with(b -> b.readBufferSize = bytes);
  }

  public SocketOptions withReceivePoolChunks(int chunks) {
    return with(b -> b.receivePoolChunks = chunks);
  }

  public SocketOptions withGatherLimit(int iovecs) {
    return with(b -> b.gatherLimit = iovecs);
  }

  public SocketOptions withGatherBytes(long bytes) {
    return with(b -> b.gatherBytes = bytes);
  }

  /** A copy with {@code change} applied, checked by the canonical constructor. */
  private SocketOptions with(java.util.function.Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return c.build();
  }

  /** The fields as mutable locals: records have no withers. */
  private static final class Copy {
    SendMode mode;
    int zeroCopyThreshold;
    long maxQueuedBytes;
    long maxPinnedBytes;
    Duration closeTimeout;
    Duration resetGrace;
    Duration connectTimeout;
    int adaptiveCopiedToSwitch;
    Duration adaptiveProbeInterval;
    int sendBufferSize;
    int receiveBufferSize;
    boolean tcpNoDelay;
    int readBufferSize;
    int receivePoolChunks;
    int gatherLimit;
    long gatherBytes;
    int maxQueuedSends;

    Copy(SocketOptions o) {
      mode = o.mode;
      zeroCopyThreshold = o.zeroCopyThreshold;
      maxQueuedBytes = o.maxQueuedBytes;
      maxPinnedBytes = o.maxPinnedBytes;
      closeTimeout = o.closeTimeout;
      resetGrace = o.resetGrace;
      connectTimeout = o.connectTimeout;
      adaptiveCopiedToSwitch = o.adaptiveCopiedToSwitch;
      adaptiveProbeInterval = o.adaptiveProbeInterval;
      sendBufferSize = o.sendBufferSize;
      receiveBufferSize = o.receiveBufferSize;
      tcpNoDelay = o.tcpNoDelay;
      readBufferSize = o.readBufferSize;
      receivePoolChunks = o.receivePoolChunks;
      gatherLimit = o.gatherLimit;
      gatherBytes = o.gatherBytes;
      maxQueuedSends = o.maxQueuedSends;
    }

    SocketOptions build() {
      return new SocketOptions(mode, zeroCopyThreshold, maxQueuedBytes, maxPinnedBytes, closeTimeout, resetGrace, connectTimeout,
          adaptiveCopiedToSwitch, adaptiveProbeInterval, sendBufferSize, receiveBufferSize, tcpNoDelay,
          readBufferSize, receivePoolChunks, gatherLimit, gatherBytes, maxQueuedSends);
    }
  }
}
