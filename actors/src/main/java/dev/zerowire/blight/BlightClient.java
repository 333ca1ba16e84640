package dev.zerowire.blight;

import dev.zerowire.actors.ReplyBatch;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import dev.zerowire.actors.ZeroWire;
import dev.zerowire.blight.BlightProtocol.AckLost;
import dev.zerowire.blight.BlightProtocol.AckReceived;
import dev.zerowire.blight.BlightProtocol.AckTimedOut;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientCommand;
import dev.zerowire.blight.BlightProtocol.ClientConnectFailed;
import dev.zerowire.blight.BlightProtocol.ClientConnected;
import dev.zerowire.blight.BlightProtocol.ClientEvent;
import dev.zerowire.blight.BlightProtocol.ClientFault;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.ClientStats;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.GetClientStats;
import dev.zerowire.blight.BlightProtocol.Rejected;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.RequestOutcome;
import dev.zerowire.blight.BlightProtocol.RequestOutcomes;
import dev.zerowire.blight.BlightProtocol.Requests;
import dev.zerowire.blight.BlightProtocol.SendFailed;
import dev.zerowire.blight.BlightProtocol.Sent;
import dev.zerowire.nativeio.NativeSocket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The client role of a blight connection (libblight's {@code Blight::Connection}), as an actor:
 * other actors send it {@link Request}s; it frames them, assigns ackids, reports each payload's
 * outcome, delivers awaited acks or their timeouts, and answers the server's Pings with an Ack of
 * the same ackid. Protocol: {@link BlightProtocol}.
 *
 * <h2>States (one behavior each)</h2>
 *
 * <pre>
 *   connecting ──Connected──▶ open ──CloseClient──▶ closing ──nothing owed──▶ (socket Close) ──Closed──▶ stopped
 *       │                      │ protocol fault / peer closed / socket failed ──────────────────Closed──┘
 *       └─ CommandFailed: queued requests Rejected, ClientConnectFailed, stopped
 * </pre>
 *
 * <ul>
 *   <li><b>connecting</b>: requests, closes and stats requests are stashed; requests past
 *       {@link BlightLimits#maxQueuedRequests()} are Rejected, as if told one by one.
 *   <li><b>open</b>: requests are framed into the {@link Outbox}, up to
 *       {@link BlightLimits#maxQueuedRequests()} without outcome, and as many awaiting their acks
 *       (one more is Rejected, naming the bound: the outbox holds what the socket's queue bound
 *       keeps back, the ack table what a slow server has not acked, and a caller that does not
 *       pace itself must not make either grow without bound); inbound bytes go through one
 *       {@link BlightDecoder}; Acks resolve awaited requests, Pings are answered.
 *   <li><b>closing</b>: new requests are Rejected; once nothing is held back and no ack is awaited,
 *       the socket gets {@code Close} (it writes what it has, then FIN). A protocol fault closes at
 *       once: decoding stops, awaited acks become AckLost, held messages are Rejected.
 *   <li><b>stopped</b>: after the socket's {@code Closed}: messages that never reached the socket
 *       fail, remaining awaited acks are lost, {@link ClientClosed} goes out.
 * </ul>
 *
 * <h2>Stall timeout (issue 9, break 4)</h2>
 *
 * A server that stops reading or stops acking must not hold the client forever. Progress is an
 * ack arriving or the kernel accepting bytes (a send's outcome). The connection fails, with one
 * {@link ClientFault} ({@code STALLED}) and an Abort, when for {@link BlightLimits#stallTimeout()}
 * <ul>
 *   <li>sends are outstanding and none had its outcome, or</li>
 *   <li>acks are awaited, or one timed out since the last ack came, and no ack came, or</li>
 *   <li>the socket was told to Close and has not reported Closed.</li>
 * </ul>
 * After the Abort every request still owed gets its outcome ({@code SendFailed}) and every awaited
 * ack {@code AckLost}, then {@link ClientClosed}. Checked every quarter of the timeout.
 *
 * <h2>Ownership</h2>
 *
 * This actor alone owns: the {@link Outbox} (header pool, in-flight and held messages, with each
 * caller payload until its outcome), the decoder (the socket, in pull mode, reads one chunk ahead
 * at most), the table of awaited acks (ackid → requester) and their deadlines under one timer
 * ({@link AckDeadlines}), the ackid counter and the counters. The caller's payload is the socket's
 * from Send to outcome and the caller's again in {@link Sent}/{@link SendFailed}/{@link Rejected}.
 */
public final class BlightClient extends AbstractBehavior<ClientCommand> {

  // ----------------------------------------------------------------------- internal messages

  private record ConnectResult(SocketProtocol.ConnectReply reply) implements BlightProtocol.ClientInternal {
  }

  private record SocketEvent(SocketProtocol.Event event) implements BlightProtocol.ClientInternal {
  }

  private record SocketReply(SocketProtocol.SendReply reply) implements BlightProtocol.ClientInternal {
  }

  private record SocketStatsReply(SocketStats stats) implements BlightProtocol.ClientInternal {
  }

  /** The earliest awaited ack's deadline has come (one timer for all: {@link AckDeadlines}). */
  private enum AckTick implements BlightProtocol.ClientInternal { INSTANCE }

  private enum StallTick implements BlightProtocol.ClientInternal { INSTANCE }

  /** Outbox tag of a caller's request; {@code batched}: it came in {@link Requests}, its outcome may travel batched. */
  record RequestTag(Request request, long ackid, boolean batched) {
  }

  /** Outbox tag of the Ack answering a server Ping. */
  private enum PingAnswer { INSTANCE }

  /** An awaited ack, due by {@code deadlineNanos}. */
  private record Awaited(Request request, long ackid, long sinceNanos, long deadlineNanos) {
  }

  // -------------------------------------------------------------------------------- factories

  /**
   * A client that connects to {@code remote} (TCP v4/v6 or an AF_UNIX path) and serves requests
   * once connected (queuing them until then).
   *
   * @param events gets {@link ClientConnected} or {@link ClientConnectFailed}, any
   *               {@link ClientFault}, and {@link ClientClosed}; may be null
   */
  public static Behavior<ClientCommand> connect(SocketAddress remote, BlightSettings settings,
                          ActorRef<ClientEvent> events) {
    return start(settings, events, BlightAddress.format(remote),
        (options, reply) -> new SocketProtocol.Connect(remote, options, reply));
  }

  /**
   * A client over an already connected socket, e.g. one end of a socketpair (blight's own
   * transport): zerowire adopts and from then owns it.
   */
  public static Behavior<ClientCommand> adopt(NativeSocket socket, BlightSettings settings,
                        ActorRef<ClientEvent> events) {
    return start(settings, events, socket.kind(),
        (options, reply) -> new SocketProtocol.Adopt(socket, options, reply));
  }

  private interface Opener {
    SocketProtocol.ManagerCommand open(SocketOptions options, ActorRef<SocketProtocol.ConnectReply> reply);
  }

  private static Behavior<ClientCommand> start(BlightSettings settings, ActorRef<ClientEvent> events, String peer,
                         Opener opener) {
    // While connecting the stash holds requests (at most max-queued-requests of them, a Requests
    // holding several in one entry) and closes; stats are answered at once. The margin is for closes.
    int stashCapacity = (int) Math.min(Integer.MAX_VALUE, settings.limits().maxQueuedRequests() + 1024L);
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(stashCapacity, stash -> {
      SocketOptions options = settings.resolveSocketOptions(ctx.getSystem());
      BlightClient c = new BlightClient(ctx, timers, stash, settings, options, events, peer);
      ZeroWire.get(ctx.getSystem()).manager().tell(
          opener.open(options, ctx.messageAdapter(SocketProtocol.ConnectReply.class, ConnectResult::new)));
      return c.connecting();
    })));
  }

  // ---------------------------------------------------------------------------------- state

  private static final java.util.concurrent.atomic.AtomicLong ORPHANS = new java.util.concurrent.atomic.AtomicLong();

  private final TimerScheduler<ClientCommand> timers;
  private final StashBuffer<ClientCommand> stash;
  private final int maxQueuedRequests; // BlightLimits: requests taken and without outcome
  private int stashedRequests; // requests in the stash (a Requests counts each)
  /**
   * Answers to the server's Pings without their outcome yet. At {@link BlightLimits#maxPendingReplies()}
   * the client stops reading (no ResumeReading: pull mode) until half have gone: a server that
   * floods Pings and never reads the answers would otherwise have the client hold every answer it
   * cannot write, thousands per 64 KiB chunk, for the whole stall timeout.
   */
  private int pingAnswersOwed;
  private boolean readingHeld; // reading stopped at that bound
  private final BlightSettings settings;
  private final SocketOptions options;
  private final ActorRef<ClientEvent> events;
  private final ActorRef<SocketProtocol.Event> eventAdapter;
  private final ActorRef<SocketProtocol.SendReply> replyAdapter;
  private final ActorRef<SocketStats> statsAdapter;
  private final BlightDecoder decoder;
  private final Map<Long, Awaited> awaited = new HashMap<>();
  private final AckDeadlines<Awaited> deadlines = new AckDeadlines<>(Awaited::deadlineNanos);
  private long armedNanos; // the deadline the AckTick timer is armed for; meaningful while armed
  private boolean armed;
  private final Set<Long> timedOut = new LinkedHashSet<>();
  private final ReplyBatch<ClientReply, RequestOutcome> outcomes = new ReplyBatch<>(RequestOutcomes::new);
  private final java.util.ArrayDeque<ActorRef<ClientStats>> statsWaiters = new java.util.ArrayDeque<>();
  private final List<ActorRef<ClientEvent>> closeWaiters = new ArrayList<>();

  private String name;
  private ActorRef<SocketProtocol.Command> socket;
  private Outbox outbox;
  private SocketStats socketStats = SocketStats.ZERO;
  private boolean decoding = true;
  private boolean closing;
  private boolean closeSent;
  private String how = "closed";
  private long nextAckid = 1;
  private long lastSendProgressNanos;
  private long lastAckNanos;
  private long ackTimeoutsSinceAck;
  private long closeSentNanos;

  // counters (see ClientStats)
  private long requests;
  private long payloadBytes;
  private long sent;
  private long sendFailed;
  private long rejected;
  private long acksReceived;
  private long acksDelivered;
  private long ackTimeouts;
  private long acksLost;
  private long lateAcks;
  private long pingsAnswered;
  private long unexpected;

  private BlightClient(ActorContext<ClientCommand> ctx, TimerScheduler<ClientCommand> timers,
             StashBuffer<ClientCommand> stash, BlightSettings settings, SocketOptions options,
             ActorRef<ClientEvent> events, String peer) {
    super(ctx);
    this.timers = timers;
    this.stash = stash;
    this.maxQueuedRequests = settings.limits().maxQueuedRequests();
    this.settings = settings;
    this.options = options;
    this.events = events != null ? events : ctx.getSystem().ignoreRef();
    this.name = "blight client to " + peer;
    this.eventAdapter = ctx.messageAdapter(SocketProtocol.Event.class, SocketEvent::new);
    this.replyAdapter = ctx.messageAdapter(SocketProtocol.SendReply.class, SocketReply::new);
    this.statsAdapter = ctx.messageAdapter(SocketStats.class, SocketStatsReply::new);
    this.decoder = new BlightDecoder(settings.maxMessageSize(), this::onFrame);
  }

  // ============================================================================== behaviors

  private Behavior<ClientCommand> connecting() {
    return newReceiveBuilder()
        .onMessage(ConnectResult.class, this::onConnectResult)
        .onMessage(GetClientStats.class, this::onGetStats) // nothing to wait for: no socket yet
        .onAnyMessage(m -> {
          List<Request> requests = requestsIn(m);
          if (m instanceof Requests && requests.isEmpty()) {
            return Behaviors.same(); // nothing to send, nothing to answer: no stash entry for it
          }
          if (stash.isFull()) { // only a flood of closes gets here: one more changes nothing
            String full = name + " has " + stash.size() + " messages queued while connecting";
            requests.forEach(r -> reject(r, r.ackid(), full));
            if (m instanceof CloseClient cc) {
              watchClose(cc.replyTo());
            } else if (m instanceof BlightProtocol.AbortClient ac) {
              watchClose(ac.replyTo());
            }
            return Behaviors.same();
          }
          // As if told one by one: the requests that fit are queued, each one after them rejected.
          int fit = Math.min(requests.size(), maxQueuedRequests - stashedRequests);
          if (fit == requests.size()) {
            stash.stash(m);
          } else if (fit > 0) {
            stash.stash(new Requests(requests.subList(0, fit)));
          }
          if (fit < requests.size()) {
            String full = queueFull(stashedRequests + fit, "queued while connecting");
            requests.subList(fit, requests.size()).forEach(r -> reject(r, r.ackid(), full));
          }
          stashedRequests += fit;
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<ClientCommand> onConnectResult(ConnectResult r) {
    if (r.reply() instanceof SocketProtocol.Connected c) {
      socket = c.socket();
      outbox = new Outbox(socket, replyAdapter, options);
      if (c.local() instanceof java.net.InetSocketAddress local) { // the local port tells clients apart
        name = "blight client " + BlightAddress.format(local) + " to " + BlightAddress.format(c.remote());
      }
      socket.tell(SocketProtocol.Register.pull(eventAdapter)); // one chunk at a time: a slow decoder pushes back
      lastSendProgressNanos = lastAckNanos = System.nanoTime();
      Duration tick = settings.limits().stallTimeout().dividedBy(4);
      timers.startTimerWithFixedDelay(StallTick.INSTANCE, tick.isZero() ? Duration.ofMillis(1) : tick);
      events.tell(new ClientConnected(getContext().getSelf(), name, c.local(), c.remote(), c.zeroCopy()));
      stashedRequests = 0; // each goes through accept now, under the same bound
      return stash.unstashAll(this);
    }
    SocketProtocol.CommandFailed f = (SocketProtocol.CommandFailed) r.reply();
    String reason = name + ": connect failed: " + f.cause().getMessage();
    getContext().getLog().info("{}", reason); // the events ref hears it as ClientConnectFailed
    how = "connect failed: " + f.cause().getMessage();
    events.tell(new ClientConnectFailed(getContext().getSelf(), name, reason));
    stash.forEach(m -> { // requests and closes: stats are answered while connecting, never stashed
      requestsIn(m).forEach(q -> reject(q, q.ackid(), reason));
      if (m instanceof CloseClient cc) {
        watchClose(cc.replyTo());
      } else if (m instanceof BlightProtocol.AbortClient ac) {
        watchClose(ac.replyTo());
      }
    });
    stash.clear();
    ClientClosed closed = new ClientClosed(getContext().getSelf(), name, how, stats());
    closeWaiters.forEach(w -> w.tell(closed));
    return Behaviors.stopped();
  }

  @Override
  public Receive<ClientCommand> createReceive() { // open and closing: the flags say which
    return newReceiveBuilder()
        .onMessage(Request.class, r -> flushed(onRequest(r)))
        .onMessage(Requests.class, b -> flushed(onRequests(b)))
        .onMessage(SocketReply.class, m -> flushed(onSocketReply(m)))
        .onMessage(SocketEvent.class, m -> flushed(onSocketEvent(m)))
        .onMessageEquals(AckTick.INSTANCE, () -> flushed(onAckTick()))
        .onMessageEquals(StallTick.INSTANCE, this::onStallTick)
        .onMessage(CloseClient.class, this::onClose)
        .onMessage(BlightProtocol.AbortClient.class, this::onAbort)
        .onMessage(GetClientStats.class, this::onGetStats)
        .onMessage(SocketStatsReply.class, this::onSocketStats)
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  /**
   * After a handler that may write or finish requests: what it wrote leaves in one message to the
   * socket (a batch of more than {@link Outbox#HAND_OFF_AT} in pieces, the earlier ones already
   * gone), the outcomes it gathered in one per receiver. Until here neither has left otherwise
   * ({@link Outbox#flush}, {@link ReplyBatch}); handlers that tell the socket anything else do it
   * through {@link Outbox#tell}, after the writes.
   */
  private Behavior<ClientCommand> flushed(Behavior<ClientCommand> next) {
    outcomes.flush();
    if (outbox != null) {
      outbox.flush();
    }
    return next;
  }

  // =============================================================================== requests

  private Behavior<ClientCommand> onRequest(Request r) {
    accept(r, false);
    return Behaviors.same();
  }

  /** Each request as if told alone, written to the socket in one message. */
  private Behavior<ClientCommand> onRequests(Requests b) {
    for (Request r : b.requests()) {
      accept(r, true);
    }
    return Behaviors.same();
  }

  /** Checks a request and frames it into the outbox (for its next flush), or rejects it. */
  private void accept(Request r, boolean batched) {
    if (closing) {
      reject(r, r.ackid(), name + " is closing");
      return;
    }
    String invalid = validate(r);
    if (invalid != null) {
      reject(r, r.ackid(), name + ": " + invalid);
      return;
    }
    if (outbox.pending() >= maxQueuedRequests) {
      reject(r, r.ackid(), queueFull(outbox.pending(), "without outcome"));
      return;
    }
    if (r.awaitAck() && awaited.size() >= maxQueuedRequests) { // sent, but a server that acks slowly or never
      reject(r, r.ackid(), queueFull(awaited.size(), "awaiting their acks"));
      return;
    }
    long ackid = r.ackid() != BlightProtocol.AUTO_ACKID ? r.ackid() : assignAckid();
    // The clock is read only when something starts from now: a pipelined Repaint behind others
    // reads none (clock_gettime was 7 % of a small-message profile; issue 10).
    long now = outbox.pending() == 0 || r.awaitAck() ? System.nanoTime() : 0;
    if (outbox.pending() == 0) {
      lastSendProgressNanos = now; // nothing was owed: the stall clock starts with this send
    }
    if (r.awaitAck() && awaited.isEmpty() && ackTimeoutsSinceAck == 0) {
      lastAckNanos = now; // no ack was owed: the ack clock starts with this request
    }
    if (r.awaitAck()) {
      if (awaited.containsKey(ackid)) {
        reject(r, ackid, name + ": ackid " + ackid + " already awaits an ack");
        return;
      }
      Duration timeout = r.ackTimeout() != null ? r.ackTimeout() : settings.ackTimeout();
      Awaited a = new Awaited(r, ackid, now, now + timeout.toNanos());
      awaited.put(ackid, a);
      if (deadlines.add(a) && (!armed || a.deadlineNanos() - armedNanos < 0)) {
        armAckTick(a.deadlineNanos(), now); // earlier than what the timer waits for (a shorter timeout)
      }
    }
    requests++;
    payloadBytes += r.payloadLength();
    outbox.submit(BlightEncoder.header(r.type(), ackid, r.payloadLength()), null,
        r.payloadLength() == 0 ? null : r.payload(), new RequestTag(r, ackid, batched));
  }

  /** The requests a command carries: one, a batch's, or none. */
  private static List<Request> requestsIn(ClientCommand m) {
    return m instanceof Request r ? List.of(r) : m instanceof Requests b ? b.requests() : List.of();
  }

  /** The rejection of a request past {@link BlightLimits#maxQueuedRequests()}. */
  private String queueFull(int queued, String how) {
    return name + " has " + queued + " requests " + how + ", its bound (max queued requests " + maxQueuedRequests
        + "): pace requests by their outcomes and acks";
  }

  private String validate(Request r) {
    BlightType t = r.type();
    if (!t.validOnWire()) {
      return t.wireName() + " (type " + t.code() + ") is never sent";
    }
    if (r.payload() != null && r.payload().isReleased()) {
      return "the payload buffer of request " + r.correlationId() + " is released";
    }
    if (t.needsPayload() && r.payloadLength() == 0) {
      return t.wireName() + " must carry a payload (request " + r.correlationId() + " has none)";
    }
    if (r.payloadLength() > settings.maxMessageSize()) {
      return "payload of " + r.payloadLength() + " bytes exceeds the maximum message size "
          + settings.maxMessageSize();
    }
    if (t == BlightType.ACK && r.awaitAck()) {
      return "an Ack is never acked: it cannot await one";
    }
    return null;
  }

  /** The next ackid from 1, wrapping before 2^32 and skipping 0 and ackids still awaited. */
  private long assignAckid() {
    while (true) {
      long a = nextAckid;
      nextAckid = a == BlightWire.MAX_UINT32 ? 1 : a + 1;
      if (awaited.isEmpty() || !awaited.containsKey(a)) { // isEmpty first: no boxing when nothing is awaited
        return a;
      }
    }
  }

  private void reject(Request r, long ackid, String reason) {
    rejected++;
    r.replyTo().tell(new Rejected(r.correlationId(), ackid, r.payload(), reason));
  }

  // ============================================================================== outcomes

  private Behavior<ClientCommand> onSocketReply(SocketReply m) {
    if (!(m.reply() instanceof SocketProtocol.WritingResumed)) {
      lastSendProgressNanos = System.nanoTime(); // the kernel took the bytes (or the sends ended)
    }
    switch (m.reply()) {
      case SocketProtocol.SendOutcome o -> onOutcome(o);
      case SocketProtocol.SendOutcomes batch -> batch.outcomes().forEach(this::onOutcome);
      case SocketProtocol.WritingResumed w -> { } // the outbox never lets the socket refuse for room
    }
    return maybeFinishClosing();
  }

  private void onOutcome(SocketProtocol.SendOutcome o) {
    Outbox.Pending p = outbox.complete(o);
    if (p == null) {
      getContext().getLog().warn("{}: outcome for an unknown send {}", name, o.correlationId());
      return;
    }
    if (p.tag instanceof RequestTag t) {
      RequestOutcome out = outcomeOf(t.request(), t.ackid(), o);
      outcomes.add(t.request().replyTo(), out, t.batched());
      switch (out) {
        case Sent s -> sent++;
        case SendFailed f -> {
          sendFailed++;
          if (!f.mayHaveReachedPeer()) {
            loseAck(t, "the message never left: " + f.reason());
          }
        }
        case Rejected x -> {
          rejected++;
          forgetAck(t); // Rejected: no ack reply follows
        }
      }
    } else {
      pingAnswersOwed--;
      if (!(o instanceof SocketProtocol.Released)) {
        getContext().getLog().debug("{}: the Ack to a Ping did not leave: {}", name, o);
      }
      if (readingHeld && pingAnswersOwed <= settings.limits().maxPendingReplies() / 2) {
        readingHeld = false;
        outbox.tell(SocketProtocol.ResumeReading.INSTANCE);
      }
    }
  }

  /** The caller's outcome of request {@code r}, sent with {@code ackid}, from its Send's outcome. */
  static RequestOutcome outcomeOf(Request r, long ackid, SocketProtocol.SendOutcome o) {
    return switch (o) {
      case SocketProtocol.Released rel -> new Sent(r.correlationId(), ackid, r.payload(), rel.copied());
      case SocketProtocol.Failed f -> new SendFailed(r.correlationId(), ackid, r.payload(), f.reason(),
          f.mayHaveReachedPeer(), f.withheld());
      case SocketProtocol.Refused ref -> new Rejected(r.correlationId(), ackid, r.payload(), ref.reason());
    };
  }

  /**
   * Tells each request among {@code left} (messages that never reached the socket, or whose
   * outcome the socket never told) {@code SendFailed}; returns how many. With {@code unconfirmed}
   * they may have reached the peer and are withheld (the kernel may still read them), else neither.
   */
  static int failAll(List<Outbox.Pending> left, String reason, boolean unconfirmed) {
    int n = 0;
    for (Outbox.Pending p : left) {
      if (p.tag instanceof RequestTag t) {
        Request r = t.request();
        r.replyTo().tell(new SendFailed(r.correlationId(), t.ackid(), r.payload(), reason, unconfirmed, unconfirmed));
        n++;
      }
    }
    return n;
  }

  // =============================================================================== inbound

  private Behavior<ClientCommand> onSocketEvent(SocketEvent m) {
    switch (m.event()) {
      case SocketProtocol.Received r -> {
        if (pingAnswersOwed < settings.limits().maxPendingReplies()) {
          r.socket().tell(SocketProtocol.ResumeReading.INSTANCE); // pull mode: this chunk is being handled
        } else {
          readingHeld = true; // a server that pings and does not read our answers: TCP pushes back on it
        }
        if (decoding) {
          long acksBefore = acksReceived;
          try {
            decoder.feed(r.data());
          } catch (BlightProtocolException e) {
            fault(e);
          }
          if (acksReceived != acksBefore) {
            lastAckNanos = System.nanoTime(); // once per chunk: a chunk of pipelined Repaints' acks holds hundreds
          }
        }
      }
      case SocketProtocol.ReceivedBuffer b -> b.buffer().release(); // never: registered without lent buffers
      case SocketProtocol.PeerClosed pc -> {
        if (decoding) {
          try {
            decoder.endOfStream();
            how = "peer closed";
          } catch (BlightProtocolException e) {
            fault(e);
          }
        }
        decoding = false;
        closing = true; // the socket closes itself after EOF
        closeSent = true;
        loseAllAcks("the server closed the connection");
        rejectHeld(name + ": the server closed the connection");
      }
      case SocketProtocol.Closed c -> {
        return onClosed(c);
      }
    }
    return Behaviors.same();
  }

  private void onFrame(BlightFrame f) {
    switch (f.type()) {
      case ACK -> onAck(f);
      case PING -> {
        if (!closeSent) {
          pingsAnswered++;
          pingAnswersOwed++;
          outbox.submit(BlightEncoder.header(BlightType.ACK, f.ackid(), 0), null, null, PingAnswer.INSTANCE);
        }
      }
      default -> {
        if (unexpected++ == 0) {
          getContext().getLog().warn("{}: unexpected {} from the server (ackid {}); ignored", name,
              f.type().wireName(), f.ackid());
        }
      }
    }
  }

  private void onAck(BlightFrame f) {
    acksReceived++; // the ack clock (lastAckNanos) is set once per chunk, in onSocketEvent
    ackTimeoutsSinceAck = 0;
    if (awaited.isEmpty() && timedOut.isEmpty()) {
      return; // an ack nobody awaits (Repaint, Move, ...), with no lookup: counted only, as libblight drops it
    }
    Awaited a = awaited.remove(f.ackid());
    if (a != null) {
      deadlines.remove(a); // the timer stays: when it fires it finds this gone and re-arms for the next
      acksDelivered++;
      Request r = a.request();
      r.replyTo().tell(new AckReceived(r.correlationId(), a.ackid(), f.payload(),
          Duration.ofNanos(System.nanoTime() - a.sinceNanos())));
    } else if (timedOut.remove(f.ackid())) {
      lateAcks++;
    }
    // else: an ack nobody awaits (Repaint, Move, ...): counted only, as libblight drops it
  }

  /** Arms the one ack timer for {@code deadlineNanos}, replacing any earlier arming. */
  private void armAckTick(long deadlineNanos, long nowNanos) {
    armed = true;
    armedNanos = deadlineNanos;
    timers.startSingleTimer(AckTick.INSTANCE, AckTick.INSTANCE, Duration.ofNanos(Math.max(0, deadlineNanos - nowNanos)));
  }

  /** Times out every awaited ack whose deadline has passed, then arms for the next one. */
  private Behavior<ClientCommand> onAckTick() {
    armed = false;
    long now = System.nanoTime();
    for (Awaited a : deadlines.due(now)) {
      awaited.remove(a.ackid());
      ackTimeouts++;
      ackTimeoutsSinceAck++;
      timedOut.add(a.ackid());
      if (timedOut.size() > 1024) {
        timedOut.remove(timedOut.iterator().next());
      }
      Request r = a.request();
      r.replyTo().tell(new AckTimedOut(r.correlationId(), a.ackid(), Duration.ofNanos(now - a.sinceNanos())));
    }
    if (!deadlines.isEmpty()) {
      armAckTick(deadlines.earliest(), now);
    }
    return maybeFinishClosing();
  }

  private void loseAck(RequestTag t, String reason) {
    Awaited a = awaited.get(t.ackid());
    if (a != null && a.request() == t.request()) {
      outcomes.flush(); // the request's outcome first
      awaited.remove(t.ackid());
      deadlines.remove(a);
      acksLost++;
      t.request().replyTo().tell(new AckLost(t.request().correlationId(), t.ackid(), reason));
    }
  }

  private void forgetAck(RequestTag t) {
    Awaited a = awaited.get(t.ackid());
    if (a != null && a.request() == t.request()) {
      awaited.remove(t.ackid());
      deadlines.remove(a);
    }
  }

  private void loseAllAcks(String reason) {
    for (Awaited a : awaited.values()) {
      acksLost++;
      a.request().replyTo().tell(new AckLost(a.request().correlationId(), a.ackid(), name + ": " + reason));
    }
    awaited.clear();
    deadlines.clear();
  }

  private void rejectHeld(String reason) {
    for (Outbox.Pending p : outbox.takeHeld()) {
      if (p.tag instanceof RequestTag t) {
        reject(t.request(), t.ackid(), reason);
        forgetAck(t);
      }
    }
  }

  private Behavior<ClientCommand> onStallTick() {
    if (socket == null || how.startsWith("stalled")) {
      return Behaviors.same();
    }
    outbox.trimIfIdle();
    long now = System.nanoTime();
    long limit = settings.limits().stallTimeout().toNanos();
    String why = null;
    if (outbox.pending() > 0 && now - lastSendProgressNanos >= limit) {
      why = outbox.pending() + " send(s) without outcome for " + (now - lastSendProgressNanos) / 1_000_000 + " ms";
    } else if ((!awaited.isEmpty() || ackTimeoutsSinceAck > 0) && now - lastAckNanos >= limit) {
      why = "no ack for " + (now - lastAckNanos) / 1_000_000 + " ms (" + awaited.size() + " awaited, "
          + ackTimeoutsSinceAck + " timed out since the last ack)";
    } else if (closeSent && closeSentNanos != 0 && now - closeSentNanos >= limit) {
      why = "the close did not finish within " + (now - closeSentNanos) / 1_000_000 + " ms";
    }
    if (why != null) {
      BlightProtocolException e = new BlightProtocolException(BlightProtocolException.Fault.STALLED, null,
          "no progress: " + why + " (stall timeout " + settings.limits().stallTimeout().toMillis() + " ms)");
      how = "stalled: " + e.getMessage();
      fail(e, name + ": " + e.getMessage() + "; aborting the connection", true);
    }
    return Behaviors.same();
  }

  /** The server broke the protocol: one clear error, stop reading, close this connection. */
  private void fault(BlightProtocolException e) {
    how = "protocol fault: " + e.getMessage();
    fail(e, name + ": protocol fault from the server: " + e.getMessage() + "; closing the connection", false);
  }

  /** One clear error; stop reading; every owed ack lost, held messages rejected; Close (or Abort). */
  private void fail(BlightProtocolException e, String message, boolean abort) {
    decoding = false;
    getContext().getLog().error("{}", message);
    events.tell(new ClientFault(getContext().getSelf(), name, e.fault(), message));
    closing = true;
    loseAllAcks(how); // "protocol fault: ..." or "stalled: ..."
    rejectHeld(name + ": closing after " + (abort ? "a stall" : "a protocol fault"));
    if (abort) {
      closeSent = true; // Abort even after a Close: that close is what may be stuck
      outbox.tell(new SocketProtocol.Abort(null));
    } else if (!closeSent) {
      closeSent = true;
      closeSentNanos = System.nanoTime();
      outbox.tell(new SocketProtocol.Close(null));
    }
  }

  // ================================================================================ closing

  private Behavior<ClientCommand> onClose(CloseClient c) {
    watchClose(c.replyTo());
    closing = true;
    return maybeFinishClosing();
  }

  private Behavior<ClientCommand> onAbort(BlightProtocol.AbortClient a) {
    watchClose(a.replyTo());
    if (socket == null || how.startsWith("aborted")) {
      return Behaviors.same();
    }
    how = "aborted: " + a.reason();
    decoding = false;
    closing = true;
    loseAllAcks(how);
    rejectHeld(name + ": " + how);
    closeSent = true;
    outbox.tell(new SocketProtocol.Abort(null));
    return Behaviors.same();
  }

  private void watchClose(ActorRef<ClientEvent> replyTo) {
    if (replyTo != null && !closeWaiters.contains(replyTo)) {
      closeWaiters.add(replyTo);
    }
  }

  /** Closing and nothing owed (no held message, no awaited ack): let the socket close. */
  private Behavior<ClientCommand> maybeFinishClosing() {
    if (closing && !closeSent && !outbox.hasHeld() && awaited.isEmpty()) {
      closeSent = true;
      closeSentNanos = System.nanoTime();
      outbox.tell(new SocketProtocol.Close(null));
    }
    return Behaviors.same();
  }

  private Behavior<ClientCommand> onClosed(SocketProtocol.Closed c) {
    socketStats = c.stats();
    if (!how.startsWith("protocol fault") && !how.startsWith("stalled") && !how.startsWith("aborted")) {
      how = c.how(); // the socket's word: closed, peer closed, aborted, failed: ...
    }
    String reason = name + " closed (" + c.how() + ") before this message reached the socket";
    sendFailed += failAll(outbox.socketGone(false), reason, false);
    loseAllAcks("connection closed (" + c.how() + ") before the ack came");
    int kept = outbox.close();
    if (kept > 0) {
      getContext().getLog().error("{}: {} header chunk(s) kept: the kernel never confirmed it let go", name, kept);
    }
    ClientStats s = stats();
    statsWaiters.forEach(w -> w.tell(s));
    statsWaiters.clear();
    ClientClosed closed = new ClientClosed(getContext().getSelf(), name, how, s);
    events.tell(closed);
    closeWaiters.forEach(w -> w.tell(closed));
    socket = null;
    return Behaviors.stopped();
  }

  /**
   * Stopped from outside (a parent's stop, a failure, system shutdown), not closed: what never
   * reached the socket is the caller's again at once (Rejected: queued while connecting, or held
   * back), and awaited acks are lost. What the socket took it still owns: the kernel may read
   * those buffers until their outcomes, which the socket tells this stopped actor as it closes, so
   * an {@link OrphanedRequests} takes over the outbox and the outcomes are forwarded to it
   * ({@code ZeroWire.forwardDeadLetters}, registered here, before Pekko empties our mailbox into
   * dead letters): each of those requests still gets its one outcome. The socket closes itself
   * (its handler, our adapter, stops with us); the Close below only says so sooner.
   */
  private Behavior<ClientCommand> onPostStop() {
    String reason = name + " was stopped before this message reached the socket";
    stash.forEach(m -> requestsIn(m).forEach(q -> reject(q, q.ackid(), reason)));
    stash.clear();
    if (socket != null) {
      rejectHeld(reason);
      loseAllAcks("the client was stopped before the ack came");
      outbox.tell(new SocketProtocol.Close(null));
      getContext().getLog().debug("{}: stopped with the socket open; closing it", name);
      if (outbox.inFlight() > 0) {
        ActorRef<Object> successor = getContext().getSystem().systemActorOf(
            OrphanedRequests.create(outbox, name, socket, settings.limits().stallTimeout()),
            "zerowire-blight-orphaned-requests-" + ORPHANS.incrementAndGet(), ZeroWire.dispatcher());
        ZeroWire.get(getContext().getSystem()).forwardDeadLetters(
            List.of(getContext().getSelf(), replyAdapter, eventAdapter), successor);
      }
    }
    return Behaviors.same();
  }

  // ================================================================================= stats

  private Behavior<ClientCommand> onGetStats(GetClientStats g) {
    if (socket == null) {
      g.replyTo().tell(stats());
      return Behaviors.same();
    }
    statsWaiters.add(g.replyTo());
    socket.tell(new SocketProtocol.GetStats(statsAdapter));
    return Behaviors.same();
  }

  private Behavior<ClientCommand> onSocketStats(SocketStatsReply r) {
    socketStats = r.stats();
    if (!statsWaiters.isEmpty()) {
      statsWaiters.poll().tell(stats());
    }
    return Behaviors.same();
  }

  private ClientStats stats() {
    return new ClientStats(requests, payloadBytes, sent, sendFailed, rejected, acksReceived, acksDelivered,
        ackTimeouts, acksLost, lateAcks, pingsAnswered, unexpected, socketStats);
  }
}
