package dev.zerowire.streams;

import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol.Abort;
import dev.zerowire.actors.SocketProtocol.Connected;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;

/**
 * A connection a {@link ZeroWireStreams#bind} listener accepted, as Pekko's {@code
 * Tcp.IncomingConnection}: handle it with a {@code Flow<ByteString, ByteString, ?>} that reads
 * what the peer sends and emits the replies. The socket reads nothing until then (the kernel
 * holds the peer back).
 *
 * <p>{@link #flow()} can be materialized once; a second materialization fails. A connection that
 * is never handled stays open until {@link #abort()} or the actor system's shutdown.
 */
public final class IncomingConnection {
  private final ActorSystem<?> system;
  private final Connected connected;
  private final SocketOptions options;
  private final StreamSettings settings;
  private final BufferLedger ledger;
  private final AtomicBoolean claimed = new AtomicBoolean();

  IncomingConnection(ActorSystem<?> system, Connected connected, SocketOptions options, StreamSettings settings,
      BufferLedger ledger) {
    this.system = system;
    this.connected = connected;
    this.options = options;
    this.settings = settings;
    this.ledger = ledger;
  }

  /** The listener's address. */
  public SocketAddress localAddress() {
    return connected.local();
  }

  /** The peer's address (for AF_UNIX usually unnamed). */
  public SocketAddress remoteAddress() {
    return connected.remote();
  }

  /** The socket as the accept produced it (its actor, addresses, zero-copy). */
  public Connected connected() {
    return connected;
  }

  /** This connection as a flow: elements in are written to the peer, elements out were read from it. */
  public Flow<ByteString, ByteString, NotUsed> flow() {
    return Flow.fromGraph(new ConnectionStage(system, new ConnectionStage.Accepted(connected, claimed), options,
        settings, ledger)).mapMaterializedValue(c -> NotUsed.getInstance());
  }

  /** Runs {@code handler} on this connection; returns the handler's materialized value. */
  public <M> M handleWith(Flow<ByteString, ByteString, M> handler, ClassicActorSystemProvider system) {
    return flow().joinMat(handler, Keep.right()).run(system);
  }

  /** Runs {@code handler} on this connection with {@code materializer}. */
  public <M> M handleWith(Flow<ByteString, ByteString, M> handler, Materializer materializer) {
    return flow().joinMat(handler, Keep.right()).run(materializer);
  }

  /** Rejects the connection without handling it: reset (TCP RST). */
  public void abort() {
    if (claimed.compareAndSet(false, true)) {
      connected.socket().tell(new Abort(null));
    }
  }

  @Override
  public String toString() {
    return "IncomingConnection(" + connected.remote() + " -> " + connected.local() + ")";
  }
}
