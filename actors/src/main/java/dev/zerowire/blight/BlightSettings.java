package dev.zerowire.blight;

import dev.zerowire.actors.SendMode;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.ZeroWire;
import java.time.Duration;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Settings of blight connections, client and server side. Change one with the {@code with...}
 * methods; {@link #defaults()} behaves as Oxide's display server and libblight do where they have a
 * number (ping every second, "not responding" after two intervals).
 *
 * @param maxMessageSize largest payload accepted from the peer, and sent (default 64 MiB); a
 *                       header claiming more is a protocol fault, refused before anything that
 *                       size is allocated
 * @param ackTimeout     default wait for an awaited ack ({@link BlightProtocol.Request#ackTimeout()});
 *                       libblight waits forever by default, which an actor must not
 * @param pingInterval   server side: how often each client is pinged; a client that answers
 *                       none within two intervals is reported unresponsive
 * @param handlerGrace   server side: how long a closing connection waits for answers its handler
 *                       still owes before it closes the socket anyway
 * @param socketOptions  the socket options, or {@code null} for the actor system's defaults
 *                       ({@link ZeroWire#defaultOptions()}) with TCP_NODELAY on (and, for a
 *                       server's connections, {@link #SERVER_READ_BUFFER_SIZE}-byte reads)
 * @param mode           the send mode to use, or {@code null} to keep the socket options' mode
 * @param limits         the memory and wait bounds ({@link BlightLimits})
 */
public record BlightSettings(long maxMessageSize, Duration ackTimeout, Duration pingInterval, Duration handlerGrace,
               SocketOptions socketOptions, SendMode mode, BlightLimits limits) {

  public BlightSettings {
    if (maxMessageSize < 0 || maxMessageSize > BlightWire.MAX_ARRAY_SIZE) {
      throw new IllegalArgumentException("maximum message size " + maxMessageSize + " must be 0.."
          + BlightWire.MAX_ARRAY_SIZE);
    }
    positive("ack timeout", ackTimeout);
    positive("ping interval", pingInterval);
    positive("handler grace", handlerGrace);
    Objects.requireNonNull(limits, "limits");
  }

  private static void positive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + d);
    }
  }

  /** 64 MiB messages, 10 s ack timeout, a ping every second, 2 s handler grace, system socket options. */
  public static BlightSettings defaults() {
    return new BlightSettings(BlightWire.DEFAULT_MAX_PAYLOAD_SIZE, Duration.ofSeconds(10), Duration.ofSeconds(1),
        Duration.ofSeconds(2), null, null, BlightLimits.defaults());
  }

  public BlightSettings withMaxMessageSize(long bytes) {
    return new BlightSettings(bytes, ackTimeout, pingInterval, handlerGrace, socketOptions, mode, limits);
  }

  public BlightSettings withAckTimeout(Duration d) {
    return new BlightSettings(maxMessageSize, d, pingInterval, handlerGrace, socketOptions, mode, limits);
  }

  public BlightSettings withPingInterval(Duration d) {
    return new BlightSettings(maxMessageSize, ackTimeout, d, handlerGrace, socketOptions, mode, limits);
  }

  public BlightSettings withHandlerGrace(Duration d) {
    return new BlightSettings(maxMessageSize, ackTimeout, pingInterval, d, socketOptions, mode, limits);
  }

  public BlightSettings withSocketOptions(SocketOptions o) {
    return new BlightSettings(maxMessageSize, ackTimeout, pingInterval, handlerGrace, o, mode, limits);
  }

  public BlightSettings withMode(SendMode m) {
    return new BlightSettings(maxMessageSize, ackTimeout, pingInterval, handlerGrace, socketOptions, m, limits);
  }

  public BlightSettings withLimits(BlightLimits l) {
    return new BlightSettings(maxMessageSize, ackTimeout, pingInterval, handlerGrace, socketOptions, mode, l);
  }

  /** How long a client may leave Pings unanswered before it is reported: two ping intervals. */
  public Duration unresponsiveAfter() {
    return pingInterval.multipliedBy(2);
  }

  /**
   * The socket options a blight socket of {@code system} uses: the given ones, or the system's
   * defaults with TCP_NODELAY on (blight is request/ack: Nagle would hold small acks back); the
   * mode if one is set; and a queue bound that fits at least one largest message.
   */
  public SocketOptions resolveSocketOptions(ActorSystem<?> system) {
    SocketOptions o = socketOptions != null ? socketOptions
        : ZeroWire.get(system).defaultOptions().withTcpNoDelay(true);
    if (mode != null) {
      o = o.withMode(mode);
    }
    long largest = BlightHeader.SIZE + maxMessageSize;
    if (o.maxQueuedBytes() < largest) {
      o = o.withLimits(largest, o.maxPinnedBytes());
    }
    return o;
  }

  /**
   * Bytes a blight server connection reads per {@code recv} when no socket options were given:
   * four times the system default. Why (issue 10): a 64 KiB Repaint is 65,548 bytes on the wire,
   * so with 64 KiB reads nearly every message took two chunks, two hand-offs between the socket
   * and its connection actor and an ack {@code sendmsg} of its own (acks go out gathered per
   * chunk); with 256 KiB reads up to four messages share them. Floor client into zerowire's server,
   * 40,000 Repaints of 64 KiB from another process (README, Performance): 351-367 MB/s with 64 KiB
   * reads, 392-406 with 256 KiB. The cost is memory: a connection holds up to {@code
   * BlightServerConnection.PULL_WINDOW} + 1 such chunks while it decodes (README, Bounds).
   */
  public static final int SERVER_READ_BUFFER_SIZE = 256 * 1024;

  /**
   * The socket options a blight server's connections use: {@link #resolveSocketOptions}, reading
   * {@link #SERVER_READ_BUFFER_SIZE} bytes at a time unless socket options were given (then exactly
   * theirs).
   */
  public SocketOptions resolveServerSocketOptions(ActorSystem<?> system) {
    SocketOptions o = resolveSocketOptions(system);
    return socketOptions != null ? o : o.withReadBufferSize(SERVER_READ_BUFFER_SIZE);
  }
}
