package dev.zerowire.streams;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.ZeroWire;
import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * zerowire sockets for Pekko Streams (javadsl), shaped like Pekko's {@code Tcp}: {@link
 * #outgoingConnection} is a {@code Flow<ByteString, ByteString>} that connects when materialized,
 * {@link #bind} a {@code Source} of {@link IncomingConnection}s. TCP over IPv4 and IPv6 ({@code
 * InetSocketAddress}) and AF_UNIX stream sockets ({@code UnixDomainSocketAddress}).
 *
 * <p>What a connection promises:
 *
 * <ul>
 *   <li><b>Out</b>: each element is copied into off-heap buffers and sent; a buffer is released
 *       when its Send's outcome arrives, never before. The upstream is pulled only while the
 *       Sends in flight stay under {@link StreamSettings}' bounds, so a peer that does not read
 *       backpressures the upstream. Bytes leave in order.
 *   <li><b>In</b>: the socket reads one chunk per downstream pull, so a slow downstream leaves the
 *       data in the kernel and TCP flow control stalls the peer.
 *   <li><b>Upstream completes</b>: the rest is written, then FIN (shutdown(SHUT_WR)); the
 *       downstream keeps receiving until the peer's end of stream (half-close, as Pekko's Tcp with
 *       {@code halfClose = true}). The socket's {@code closeTimeout} bounds that wait: a peer that
 *       does not end its side by then fails the stream and is reset.
 *   <li><b>Peer ends its side</b>: the downstream completes; the upstream may go on writing.
 *   <li><b>Downstream cancels</b>: the upstream is cancelled and the socket closed gracefully.
 *   <li><b>Failures</b> (connect refused, reset, a failed Send, the upstream's failure) fail the
 *       stream with an {@link java.io.IOException} naming the connection and the errno; the
 *       materialized value fails too if the connection never opened.
 *   <li>The stage stops only after the socket's Closed, when every buffer is back. If its
 *       materializer stops it earlier, the socket is aborted and each buffer still in flight is
 *       released once its outcome arrives.
 * </ul>
 */
public final class ZeroWireStreams {
  private ZeroWireStreams() {}

  /** Pekko Tcp's default listen backlog. */
  public static final int DEFAULT_BACKLOG = 100;

  /**
   * A connection to {@code remote}, opened anew each time the flow is materialized, with the
   * system's {@code zerowire.socket} options. The materialized value completes with the socket
   * when it has connected, or fails with the connect's error.
   */
  public static Flow<ByteString, ByteString, CompletionStage<Connected>> outgoingConnection(ActorSystem<?> system,
      SocketAddress remote) {
    return outgoingConnection(system, remote, ZeroWire.get(system).defaultOptions());
  }

  /** {@link #outgoingConnection(ActorSystem, SocketAddress)} with these socket options. */
  public static Flow<ByteString, ByteString, CompletionStage<Connected>> outgoingConnection(ActorSystem<?> system,
      SocketAddress remote, SocketOptions options) {
    return outgoingConnection(system, remote, options, StreamSettings.defaults());
  }

  /** {@link #outgoingConnection(ActorSystem, SocketAddress)} with these socket options and stream bounds. */
  public static Flow<ByteString, ByteString, CompletionStage<Connected>> outgoingConnection(ActorSystem<?> system,
      SocketAddress remote, SocketOptions options, StreamSettings settings) {
    return outgoingConnection(system, remote, options, settings, new BufferLedger());
  }

  static Flow<ByteString, ByteString, CompletionStage<Connected>> outgoingConnection(ActorSystem<?> system,
      SocketAddress remote, SocketOptions options, StreamSettings settings, BufferLedger ledger) {
    return Flow.fromGraph(new ConnectionStage(system, new ConnectionStage.Outgoing(remote), options, settings, ledger));
  }

  /**
   * Listens on {@code local} (port 0 picks one: see {@link Bound#local()}; an AF_UNIX path must
   * not exist yet, and is removed at unbind) when materialized, and emits each accepted
   * connection. Cancelling the source unbinds; connections already handed out live on. The
   * materialized value completes when the listener is bound, or fails with the bind's error.
   */
  public static Source<IncomingConnection, CompletionStage<Bound>> bind(ActorSystem<?> system, SocketAddress local) {
    return bind(system, local, ZeroWire.get(system).defaultOptions());
  }

  /** {@link #bind(ActorSystem, SocketAddress)} with these options for the listener and every accepted socket. */
  public static Source<IncomingConnection, CompletionStage<Bound>> bind(ActorSystem<?> system, SocketAddress local,
      SocketOptions options) {
    return bind(system, local, options, StreamSettings.defaults(), DEFAULT_BACKLOG, -1);
  }

  /**
   * {@link #bind(ActorSystem, SocketAddress)} with everything given.
   *
   * @param maxConnections connections open at once, at most; more wait in the listen backlog. 0:
   *     no limit; -1: {@code zerowire.listener.max-connections}
   */
  public static Source<IncomingConnection, CompletionStage<Bound>> bind(ActorSystem<?> system, SocketAddress local,
      SocketOptions options, StreamSettings settings, int backlog, int maxConnections) {
    return bind(system, local, options, settings, backlog, maxConnections, new BufferLedger());
  }

  static Source<IncomingConnection, CompletionStage<Bound>> bind(ActorSystem<?> system, SocketAddress local,
      SocketOptions options, StreamSettings settings, int backlog, int maxConnections, BufferLedger ledger) {
    return Source.fromGraph(new BindStage(system, local, options, settings, backlog, maxConnections, ledger));
  }
}
