package dev.zerowire.blight;

import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import dev.zerowire.blight.BlightProtocol.AckWith;
import dev.zerowire.blight.BlightProtocol.ClientUnresponsive;
import dev.zerowire.blight.BlightProtocol.ConnectionFault;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.HandlerReply;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightProtocol.NoAck;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The server role of one blight connection (Oxide display server's {@code Connection}), as an
 * actor; a child of {@link BlightServer}, one per client.
 *
 * <h2>States</h2>
 *
 * <pre>
 *   running ──protocol fault / CloseConnection──▶ draining ──handler answered (or grace over)──▶ closing ──Closed──▶ stopped
 *      │ peer closed (the socket closes itself) ─────────────────────────────────────────────▶ closing
 * </pre>
 *
 * <ul>
 *   <li><b>running</b>: inbound bytes go through one {@link BlightDecoder}; every message is
 *       counted and hashed; Acks are matched to this connection's Pings, every other message goes
 *       to the handler, whose {@link AckWith} becomes an Ack sent through the socket. A Ping goes
 *       out every ping interval; no answer for two intervals is reported once per silence.
 *   <li><b>draining</b>: nothing more is decoded; the acks the handler still owes are awaited for
 *       the handler grace, then the socket gets {@code Close} (it writes the acks, then FIN).
 *       Unlike Oxide, a bad header does not lose the acks of the good messages before it.
 *   <li><b>closing</b>: waiting for the socket's {@code Closed}; handler answers that come now
 *       are counted as dropped. On Closed the summary goes to the server and the actor stops.
 * </ul>
 *
 * <h2>Ownership</h2>
 *
 * This actor alone owns its {@link Outbox} (header pool and ack/ping frames in flight), its
 * decoder (its socket in pull mode, so a client that sends faster than this actor decodes is held
 * back by TCP, not buffered in the mailbox), the checksum and counters, and the ids of its
 * outstanding Pings. Payload arrays of
 * decoded frames go to the handler and are the handler's from then on.
 */
final class BlightServerConnection extends AbstractBehavior<BlightServerConnection.Command> {

  /** Messages of a connection actor: from its server, its socket, its handler and its timers. */
  interface Command {
  }

  /** From the server: close gracefully (see draining). */
  enum CloseConnection implements Command { INSTANCE }

  private record SocketEvent(SocketProtocol.Event event) implements Command {
  }

  private record SocketReply(SocketProtocol.SendReply reply) implements Command {
  }

  private record HandlerAnswer(HandlerReply reply) implements Command {
  }

  private enum PingTick implements Command { INSTANCE }

  private enum NotResponding implements Command { INSTANCE }

  private enum GraceOver implements Command { INSTANCE }

  /** Outbox tags. */
  private enum Kind { ACK, PING }

  private enum State { RUNNING, DRAINING, CLOSING }

  private static final int MAX_OUTSTANDING_PINGS = 16;

  static Behavior<Command> create(int id, ActorRef<SocketProtocol.Command> socket, SocketAddress remote,
                  BlightSettings settings, long maxQueuedBytes, ActorRef<HandlerRequest> handler,
                  ActorRef<ServerEvent> events, ActorRef<BlightProtocol.ServerCommand> server) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new BlightServerConnection(ctx, timers, id,
        socket, remote, settings, maxQueuedBytes, handler, events, server)));
  }

  // ---------------------------------------------------------------------------------- state

  private final TimerScheduler<Command> timers;
  private final int id;
  private final String name;
  private final ActorRef<SocketProtocol.Command> socket;
  private final SocketAddress remote;
  private final BlightSettings settings;
  private final ActorRef<HandlerRequest> handler;
  private final ActorRef<ServerEvent> events;
  private final ActorRef<BlightProtocol.ServerCommand> server;
  private final ActorRef<HandlerReply> handlerAdapter;
  private final Outbox outbox;
  private final BlightDecoder decoder;
  private final Fnv1a64 checksum = new Fnv1a64();
  private final long[] perType = new long[BlightType.values().length];
  private final ArrayDeque<Long> outstandingPings = new ArrayDeque<>();
  private final List<String> errors = new ArrayList<>();

  private State state = State.RUNNING;
  private boolean socketOpen = true; // false once the socket refuses sends (peer closed, Close sent)
  private long handlerOwes;
  private long pingId;
  private long lastAnswerNanos;
  private boolean silent;
  private String how = "closed";

  // counters (see ConnectionSummary)
  private long messages;
  private long bytes;
  private long acksSent;
  private long acksDropped;
  private long pingsSent;
  private long pingAcks;
  private long unexpectedAcks;

  private BlightServerConnection(ActorContext<Command> ctx, TimerScheduler<Command> timers, int id,
                   ActorRef<SocketProtocol.Command> socket, SocketAddress remote,
                   BlightSettings settings, long maxQueuedBytes, ActorRef<HandlerRequest> handler,
                   ActorRef<ServerEvent> events, ActorRef<BlightProtocol.ServerCommand> server) {
    super(ctx);
    this.timers = timers;
    this.id = id;
    this.socket = socket;
    this.remote = remote;
    this.settings = settings;
    this.handler = handler;
    this.events = events;
    this.server = server;
    this.name = describe(id, remote);
    this.handlerAdapter = ctx.messageAdapter(HandlerReply.class, HandlerAnswer::new);
    this.outbox = new Outbox(socket, ctx.messageAdapter(SocketProtocol.SendReply.class, SocketReply::new),
        maxQueuedBytes);
    this.decoder = new BlightDecoder(settings.maxMessageSize(), this::onFrame);
    this.lastAnswerNanos = System.nanoTime();
    // Pull mode: one chunk at a time, so a client that sends faster than this actor decodes is held
    // back by TCP flow control instead of filling this mailbox.
    socket.tell(SocketProtocol.Register.pull(ctx.messageAdapter(SocketProtocol.Event.class, SocketEvent::new)));
    // As Oxide: a Ping every interval, and "not responding" when no answer for two intervals.
    timers.startTimerWithFixedDelay(PingTick.INSTANCE, settings.pingInterval());
    timers.startSingleTimer(NotResponding.INSTANCE, settings.unresponsiveAfter());
  }

  /** The connection's name in errors: {@code blight connection #3 (tcp:127.0.0.1:50412)}. */
  static String describe(int id, SocketAddress remote) {
    String peer = remote == null ? "unnamed peer"
        : remote instanceof java.net.UnixDomainSocketAddress u && u.getPath().toString().isEmpty() ? "unix peer"
        : BlightAddress.format(remote);
    return "blight connection #" + id + " (" + peer + ")";
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SocketEvent.class, this::onSocketEvent)
        .onMessage(SocketReply.class, this::onSocketReply)
        .onMessage(HandlerAnswer.class, this::onHandlerAnswer)
        .onMessageEquals(PingTick.INSTANCE, this::onPingTick)
        .onMessageEquals(NotResponding.INSTANCE, this::onNotResponding)
        .onMessageEquals(GraceOver.INSTANCE, this::closeSocket)
        .onMessageEquals(CloseConnection.INSTANCE, () -> drain(null))
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  // =============================================================================== inbound

  private Behavior<Command> onSocketEvent(SocketEvent m) {
    switch (m.event()) {
      case SocketProtocol.Received r -> {
        r.socket().tell(SocketProtocol.ResumeReading.INSTANCE); // pull mode: ask for the next chunk
        if (state == State.RUNNING) {
          try {
            decoder.feed(r.data());
          } catch (BlightProtocolException e) {
            return drain(e);
          }
        }
      }
      case SocketProtocol.ReceivedBuffer b -> b.buffer().release(); // never: registered without lent buffers
      case SocketProtocol.PeerClosed pc -> {
        socketOpen = false; // the socket closes itself after EOF and refuses new sends
        if (state == State.RUNNING) {
          try {
            decoder.endOfStream();
          } catch (BlightProtocolException e) {
            reportFault(e);
          }
        }
        state = State.CLOSING;
      }
      case SocketProtocol.Closed c -> {
        return onClosed(c);
      }
    }
    return this;
  }

  private void onFrame(BlightFrame f) {
    messages++;
    bytes += f.payload().length;
    checksum.update(f.payload());
    perType[f.header().type()]++;
    if (f.type() == BlightType.ACK) {
      onAck(f.ackid());
      return;
    }
    handlerOwes++;
    handler.tell(new HandlerRequest(id, name, f, handlerAdapter));
  }

  private void onAck(long ackid) {
    if (outstandingPings.remove(ackid)) { // robust where Oxide accepts only the newest ping's ack
      pingAcks++;
      lastAnswerNanos = System.nanoTime();
      if (silent) {
        silent = false;
        getContext().getLog().info("{} answers pings again", name);
      }
      timers.startSingleTimer(NotResponding.INSTANCE, settings.unresponsiveAfter());
    } else if (unexpectedAcks++ == 0) {
      getContext().getLog().warn("{}: unexpected ack {} from the client; ignored", name, ackid);
    }
  }

  private Behavior<Command> onHandlerAnswer(HandlerAnswer a) {
    handlerOwes--;
    if (a.reply() instanceof AckWith ack) {
      if (socketOpen && state != State.CLOSING) {
        outbox.submit(BlightEncoder.header(BlightType.ACK, ack.ackid(), ack.data().length),
            ack.data().length == 0 ? null : ack.data(), null, Kind.ACK);
      } else {
        acksDropped++;
      }
    } else if (!(a.reply() instanceof NoAck)) {
      throw new IllegalStateException("unknown handler reply " + a.reply());
    }
    if (state == State.DRAINING && handlerOwes == 0) {
      return closeSocket();
    }
    return this;
  }

  // ================================================================================== pings

  private Behavior<Command> onPingTick() {
    if (state != State.RUNNING || !socketOpen) {
      return this;
    }
    pingId = pingId == BlightWire.MAX_UINT32 ? 1 : pingId + 1;
    outstandingPings.add(pingId);
    if (outstandingPings.size() > MAX_OUTSTANDING_PINGS) {
      outstandingPings.poll();
    }
    outbox.submit(BlightEncoder.header(BlightType.PING, pingId, 0), null, null, Kind.PING);
    return this;
  }

  private Behavior<Command> onNotResponding() {
    if (state == State.RUNNING && !silent) {
      silent = true;
      Duration quiet = Duration.ofNanos(System.nanoTime() - lastAnswerNanos);
      String msg = name + ": failed to respond to ping in time (no answer for " + quiet.toMillis() + " ms)";
      getContext().getLog().warn("{}", msg);
      errors.add(msg);
      events.tell(new ClientUnresponsive(id, name, pingId, quiet));
    }
    return this;
  }

  // ================================================================================ outcomes

  private Behavior<Command> onSocketReply(SocketReply m) {
    if (!(m.reply() instanceof SocketProtocol.SendOutcome o)) {
      return this;
    }
    Outbox.Pending p = outbox.complete(o);
    if (p == null) {
      return this;
    }
    boolean released = o instanceof SocketProtocol.Released;
    if (p.tag == Kind.ACK) {
      if (released) {
        acksSent++;
      } else {
        acksDropped++;
      }
    } else if (released) {
      pingsSent++;
    }
    return this;
  }

  // ================================================================================ closing

  private void reportFault(BlightProtocolException e) {
    String msg = name + ": " + e.getMessage() + "; connection closed";
    how = "protocol fault: " + e.getMessage();
    getContext().getLog().error("{}", msg);
    errors.add(msg);
    events.tell(new ConnectionFault(id, name, e.fault(), msg));
  }

  /** Stop decoding; close once the handler has answered what it owes (bounded by the grace). */
  private Behavior<Command> drain(BlightProtocolException fault) {
    if (fault != null && state == State.RUNNING) {
      reportFault(fault);
    }
    if (state != State.RUNNING) {
      return this;
    }
    state = State.DRAINING;
    timers.cancel(PingTick.INSTANCE);
    timers.cancel(NotResponding.INSTANCE);
    if (handlerOwes == 0) {
      return closeSocket();
    }
    timers.startSingleTimer(GraceOver.INSTANCE, settings.handlerGrace());
    return this;
  }

  private Behavior<Command> closeSocket() {
    if (state == State.DRAINING) {
      state = State.CLOSING;
      timers.cancel(GraceOver.INSTANCE);
      if (socketOpen) {
        socketOpen = false;
        socket.tell(new SocketProtocol.Close(null));
      }
    }
    return this;
  }

  private Behavior<Command> onClosed(SocketProtocol.Closed c) {
    timers.cancelAll();
    socketOpen = false;
    if (!how.startsWith("protocol fault")) {
      how = c.how();
    }
    if (c.how().startsWith("failed") && !peerWentAway(c.how())) {
      errors.add(name + ": " + c.how());
    }
    for (Outbox.Pending p : outbox.socketGone()) {
      if (p.tag == Kind.ACK) {
        acksDropped++;
      }
    }
    int kept = outbox.close();
    if (kept > 0) {
      getContext().getLog().error("{}: {} header chunk(s) kept: the kernel never confirmed it let go", name, kept);
    }
    server.tell(new BlightServer.ConnectionFinished(summary(c.stats())));
    return Behaviors.stopped();
  }

  /**
   * A reset or broken pipe is how a client that exits with unread data (our Pings) leaves:
   * tcp(7) answers a close with unread data by RST. That ends the connection, but is no fault.
   */
  private static boolean peerWentAway(String how) {
    return how.contains("ECONNRESET") || how.contains("EPIPE");
  }

  private ConnectionSummary summary(SocketStats socketStats) {
    return new ConnectionSummary(id, name, remote, messages, bytes, checksum.hex(),
        BlightProtocol.typeCounts(perType), acksSent, acksDropped, pingsSent, pingAcks, unexpectedAcks,
        errors, how, socketStats);
  }

  /** Stopped from outside (system shutdown): make sure the socket closes too. */
  private Behavior<Command> onPostStop() {
    if (socketOpen) {
      socket.tell(new SocketProtocol.Close(null));
    }
    return this;
  }
}
