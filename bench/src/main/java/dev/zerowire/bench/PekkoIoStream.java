package dev.zerowire.bench;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.PoisonPill;
import org.apache.pekko.actor.Props;
import org.apache.pekko.io.Tcp;
import org.apache.pekko.io.TcpMessage;
import org.apache.pekko.util.ByteString;

/**
 * {@code pekko-io}: classic Pekko IO {@code Tcp} with ack-based writes, the flow control its
 * documentation recommends: one {@code Write(data, ack)} outstanding, the next one sent when the
 * ack arrives. The payload is one immutable {@link ByteString} reused for every write (Pekko IO
 * copies it into its pooled direct buffers; the bench adds no copy of its own). TCP_NODELAY is
 * Pekko IO's default.
 */
final class PekkoIoStream extends StreamContender {
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final ActorSystem classic;
  private ActorRef writer;

  PekkoIoStream(int payload, StreamReceiver receiver, ActorSystem classic) {
    super("pekko-io", payload, receiver);
    this.classic = classic;
  }

  @Override
  protected void connect(InetSocketAddress address) throws Exception {
    CompletableFuture<Void> connected = new CompletableFuture<>();
    byte[] bytes = new byte[payload];
    for (int i = 0; i < payload; i++) {
      bytes[i] = patternByte(i);
    }
    ByteString data = ByteString.fromArray(bytes);
    // A typed system with its own guardian refuses top-level classic actors from outside; a
    // system actor is the classic equivalent of the bench's own typed system actors.
    writer = ((ExtendedActorSystem) classic).systemActorOf(
        Props.create(Writer.class, () -> new Writer(address, data, connected)), "bench-pekko-io-" + SEQ.incrementAndGet());
    connected.get(10, TimeUnit.SECONDS);
  }

  @Override
  protected Totals sendFor(Duration d) throws Exception {
    CompletableFuture<Totals> done = new CompletableFuture<>();
    writer.tell(new Go(System.nanoTime() + d.toNanos(), done), ActorRef.noSender());
    return done.get(d.toMillis() + DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    if (writer != null) {
      writer.tell(PoisonPill.getInstance(), ActorRef.noSender());
    }
    super.close();
  }

  private record Go(long deadlineNanos, CompletableFuture<Totals> done) {}

  /** The write acknowledgement: Pekko IO sends it back once the Write's bytes are in the kernel. */
  private static final class Ack implements Tcp.Event {
    static final Ack INSTANCE = new Ack();
  }

  /** Connects, then writes the payload again on every ack until the deadline. */
  static final class Writer extends AbstractActor {
    private final InetSocketAddress remote;
    private final ByteString data;
    private final CompletableFuture<Void> connected;
    private ActorRef connection;
    private Go go;
    private long messages;

    Writer(InetSocketAddress remote, ByteString data, CompletableFuture<Void> connected) {
      this.remote = remote;
      this.data = data;
      this.connected = connected;
    }

    @Override
    public void preStart() {
      Tcp.get(getContext().getSystem()).manager().tell(TcpMessage.connect(remote), getSelf());
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(Tcp.Connected.class, c -> {
            connection = getSender();
            connection.tell(TcpMessage.register(getSelf()), getSelf());
            connected.complete(null);
          })
          .match(Tcp.CommandFailed.class, f -> {
            RuntimeException e = new IllegalStateException("Pekko IO command failed: " + f);
            connected.completeExceptionally(e);
            if (go != null) {
              go.done().completeExceptionally(e);
              go = null;
            }
          })
          .match(Go.class, g -> {
            go = g;
            messages = 0;
            connection.tell(TcpMessage.write(data, Ack.INSTANCE), getSelf());
          })
          .match(Ack.class, a -> {
            messages++;
            if (System.nanoTime() < go.deadlineNanos()) {
              connection.tell(TcpMessage.write(data, Ack.INSTANCE), getSelf());
            } else {
              go.done().complete(new Totals(messages * data.length(), messages));
              go = null;
            }
          })
          .match(Tcp.ConnectionClosed.class, c -> {
            if (go != null) {
              go.done().completeExceptionally(new IllegalStateException("connection closed: " + c));
              go = null;
            }
            getContext().stop(getSelf());
          })
          .match(Tcp.Received.class, r -> {})
          .build();
    }

    @Override
    public void postStop() {
      if (connection != null) {
        connection.tell(TcpMessage.close(), ActorRef.noSender());
      }
    }
  }
}
