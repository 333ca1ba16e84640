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
 * @param drainTimeout how long a graceful close waits for completions before resetting
 * @param resetGrace after a reset, how long to wait for the purged sends' completions
 * @param adaptiveCopiedToSwitch adaptive: consecutive COPIED completions that switch to copy
 * @param adaptiveProbeInterval adaptive: how long to stay in copy before trying zero copy again
 * @param sendBufferSize SO_SNDBUF to request, 0 for the kernel default
 * @param receiveBufferSize SO_RCVBUF to request, 0 for the kernel default
 * @param tcpNoDelay TCP_NODELAY on TCP sockets
 * @param readBufferSize bytes read per recv call
 * @param gatherLimit iovec entries per sendmsg (at most 1024)
 */
public record SocketOptions(
    SendMode mode,
    int zeroCopyThreshold,
    long maxQueuedBytes,
    long maxPinnedBytes,
    Duration drainTimeout,
    Duration resetGrace,
    int adaptiveCopiedToSwitch,
    Duration adaptiveProbeInterval,
    int sendBufferSize,
    int receiveBufferSize,
    boolean tcpNoDelay,
    int readBufferSize,
    int gatherLimit) {

  public SocketOptions {
    if (zeroCopyThreshold < 0 || maxQueuedBytes <= 0 || maxPinnedBytes <= 0 || readBufferSize <= 0
        || gatherLimit < 1 || gatherLimit > 1024 || adaptiveCopiedToSwitch < 1
        || sendBufferSize < 0 || receiveBufferSize < 0) {
      throw new IllegalArgumentException("invalid socket options: " + this);
    }
  }

  public SocketOptions withMode(SendMode m) {
    return new SocketOptions(m, zeroCopyThreshold, maxQueuedBytes, maxPinnedBytes, drainTimeout, resetGrace,
        adaptiveCopiedToSwitch, adaptiveProbeInterval, sendBufferSize, receiveBufferSize, tcpNoDelay,
        readBufferSize, gatherLimit);
  }

  public SocketOptions withZeroCopyThreshold(int bytes) {
    return new SocketOptions(mode, bytes, maxQueuedBytes, maxPinnedBytes, drainTimeout, resetGrace,
        adaptiveCopiedToSwitch, adaptiveProbeInterval, sendBufferSize, receiveBufferSize, tcpNoDelay,
        readBufferSize, gatherLimit);
  }

  public SocketOptions withLimits(long queuedBytes, long pinnedBytes) {
    return new SocketOptions(mode, zeroCopyThreshold, queuedBytes, pinnedBytes, drainTimeout, resetGrace,
        adaptiveCopiedToSwitch, adaptiveProbeInterval, sendBufferSize, receiveBufferSize, tcpNoDelay,
        readBufferSize, gatherLimit);
  }

  public SocketOptions withBuffers(int sendBuffer, int receiveBuffer) {
    return new SocketOptions(mode, zeroCopyThreshold, maxQueuedBytes, maxPinnedBytes, drainTimeout, resetGrace,
        adaptiveCopiedToSwitch, adaptiveProbeInterval, sendBuffer, receiveBuffer, tcpNoDelay,
        readBufferSize, gatherLimit);
  }

  public SocketOptions withTcpNoDelay(boolean on) {
    return new SocketOptions(mode, zeroCopyThreshold, maxQueuedBytes, maxPinnedBytes, drainTimeout, resetGrace,
        adaptiveCopiedToSwitch, adaptiveProbeInterval, sendBufferSize, receiveBufferSize, on,
        readBufferSize, gatherLimit);
  }

  public SocketOptions withDrain(Duration drain, Duration grace) {
    return new SocketOptions(mode, zeroCopyThreshold, maxQueuedBytes, maxPinnedBytes, drain, grace,
        adaptiveCopiedToSwitch, adaptiveProbeInterval, sendBufferSize, receiveBufferSize, tcpNoDelay,
        readBufferSize, gatherLimit);
  }

  public SocketOptions withAdaptive(int copiedToSwitch, Duration probeInterval) {
    return new SocketOptions(mode, zeroCopyThreshold, maxQueuedBytes, maxPinnedBytes, drainTimeout, resetGrace,
        copiedToSwitch, probeInterval, sendBufferSize, receiveBufferSize, tcpNoDelay,
        readBufferSize, gatherLimit);
  }
}
