package dev.zerowire.blight;

import dev.zerowire.actors.SocketOptions;
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
import dev.zerowire.nativeio.NativeBuffer;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
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
 *   running ──protocol fault / payload timeout / CloseConnection──▶ draining ──handler answered (or grace over)──▶ closing ──Closed──▶ stopped
 *      │ peer closed (the socket closes itself) ──────────────────────────────────────────────────────────────▶ closing
 *      │ replies unread past the reply-stall timeout (Abort) ─────────────────────────────────────────────────▶ closing
 * </pre>
 *
 * <ul>
 *   <li><b>running</b>: inbound bytes go through one {@link BlightDecoder}; every message is
 *       counted and hashed; Acks are matched to this connection's Pings, every other message goes
 *       to the handler (or, for a server made without one, is answered here as the default
 *       handler would), whose {@link AckWith} becomes an Ack sent through the socket. A Ping goes
 *       out every ping interval; no answer for two intervals is reported once per silence.
 *   <li><b>draining</b>: nothing more is decoded; the acks the handler still owes are awaited for
 *       the handler grace, then the socket gets {@code Close} (it writes the acks, then FIN).
 *       Oxide leaves its read loop on a bad header without closing (connection.cpp,
 *       {@code readSocket}); zerowire closes that one connection, after the acks of the good
 *       messages before it.
 *   <li><b>closing</b>: waiting for the socket's {@code Closed}; handler answers that come now
 *       are counted as dropped. On Closed the summary goes to the server and the actor stops.
 * </ul>
 *
 * <h2>Bounds (issue 9; {@link BlightLimits})</h2>
 *
 * <ul>
 *   <li><b>Payload memory</b>: the decoder reserves payload pieces in the server's shared {@link
 *       PayloadBudget}; when it is starved the rest of the chunk waits here, the socket is not
 *       asked for more, and feeding is retried every {@value #BUDGET_RETRY_MILLIS} ms. A message
 *       that started must complete within the payload timeout, or the connection closes with one
 *       error: a trickling peer cannot hold its share for long.
 *   <li><b>Replies</b>: pending replies are messages read whose handler answer has not come, plus
 *       acks and Pings submitted to the {@link Outbox} without outcome. At the bound the socket is
 *       not asked for the next chunk (pull mode), so TCP pushes back on a client that does not
 *       read its acks; decoding pauses mid-chunk at the bound, so it is exact (an Ack to our
 *       Ping, which needs no reply, may still be decoded). Reading resumes when half have
 *       drained. Held at the bound with no
 *       reply leaving for the reply-stall timeout, the connection is aborted with one error.
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

  /** Time to check whether the message in progress is older than the payload timeout. */
  private enum PayloadDue implements Command { INSTANCE }

  private enum BudgetRetry implements Command { INSTANCE }

  private enum ReplyStall implements Command { INSTANCE }

  /**
   * How often a connection starved by the payload budget tries again. A poll, not a wait: the
   * wait itself is bounded by the payload timeout (a starved message is an incomplete one).
   */
  static final long BUDGET_RETRY_MILLIS = 20;

  /** Outbox tags. */
  private enum Kind { ACK, PING }

  private enum State { RUNNING, DRAINING, CLOSING }

  private static final int MAX_OUTSTANDING_PINGS = 16;

  static Behavior<Command> create(int id, ActorRef<SocketProtocol.Command> socket, SocketAddress remote,
                  BlightSettings settings, SocketOptions options, PayloadBudget budget,
                  ActorRef<HandlerRequest> handler, Function<BlightFrame, HandlerReply> inlineHandler,
                  ActorRef<ServerEvent> events, ActorRef<BlightProtocol.ServerCommand> server) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new BlightServerConnection(ctx, timers, id,
        socket, remote, settings, options, budget, handler, inlineHandler, events, server)));
  }

  // ---------------------------------------------------------------------------------- state

  private final TimerScheduler<Command> timers;
  private final int id;
  private final String name;
  private final ActorRef<SocketProtocol.Command> socket;
  private final SocketAddress remote;
  private final BlightSettings settings;
  private final BlightLimits limits;
  /** Exactly one of these answers each message: the handler actor, or (built-in handler) a function called here. */
  private final ActorRef<HandlerRequest> handler;
  private final Function<BlightFrame, HandlerReply> inlineHandler;
  /** The built-in handler's answers to the chunk being decoded, in message order (see decode). */
  private final ArrayList<HandlerReply> answeredHere = new ArrayList<>();
  private final ActorRef<ServerEvent> events;
  private final ActorRef<BlightProtocol.ServerCommand> server;
  private final ActorRef<HandlerReply> handlerAdapter;
  private final Outbox outbox;
  private final BlightDecoder decoder;
  private final PayloadBudget budget;
  /** Chunks the socket reads ahead of this actor's decoding (see the Register in the constructor). */
  static final int PULL_WINDOW = 4;

  private final Fnv1a64 checksum = new Fnv1a64();
  private final long[] perType = new long[BlightType.values().length];
  private final ArrayDeque<Long> outstandingPings = new ArrayDeque<>();
  private final List<String> errors = new ArrayList<>();

  private State state = State.RUNNING;
  private boolean socketOpen = true; // false once the socket refuses sends (peer closed, Close sent)
  private long handlerOwes;
  /**
   * The payload budget's bytes for messages the handler actor has and has not answered, by ackid
   * (oldest first per ackid: a client may repeat one). Why: a handler slower than the network
   * holds up to max-pending-replies messages per connection, each up to the maximum message size;
   * unreserved, that was up to 1,024 x 64 MiB per connection, outside the server's bound. Released
   * with the answer, or all at once when the connection ends (answers after that are dropped).
   */
  private final Map<Long, ArrayDeque<Long>> handlerHeld = new HashMap<>();
  private long pingId;
  private long lastAnswerNanos;
  private boolean silent;
  private String how = "closed";
  /** Chunks this actor is done with and has not yet answered with ResumeReading (pull mode). */
  private int answersOwed;
  /** The unfed rest of a chunk: the payload budget refused, or pending replies reached the bound. */
  private ByteBuffer unfed;
  /** The lent buffer of the chunk being fed (unfed is a view of it), released once it is fed. */
  private NativeBuffer chunkBuffer;
  /** Chunks received and not yet fed (at most PULL_WINDOW), in stream order. */
  private final ArrayDeque<NativeBuffer> queuedChunks = new ArrayDeque<>(PULL_WINDOW);
  /** Pending replies reached the bound: reading stops until half have drained. */
  private boolean heldBack;
  /** When reading stopped, or the last reply left since: the reply-stall clock. */
  private long heldBackSinceNanos;
  /** The message in progress (as the count of messages delivered before it), or -1 at a boundary. */
  private long partialMessage = -1;
  private long partialSinceNanos;
  // Time the server's own payload budget held the message in progress back: not the peer's delay.
  private long starvedNanos;
  private long starvedSinceNanos; // 0: not starved now

  // counters (see ConnectionSummary)
  private long messages;
  private long bytes;
  private long acksSent;
  private long acksDropped;
  private long pingsSent;
  private long pingAcks;
  private long unexpectedAcks;
  private long holdBacks;
  private int peakPendingReplies;

  private BlightServerConnection(ActorContext<Command> ctx, TimerScheduler<Command> timers, int id,
                   ActorRef<SocketProtocol.Command> socket, SocketAddress remote,
                   BlightSettings settings, SocketOptions options, PayloadBudget budget,
                   ActorRef<HandlerRequest> handler, Function<BlightFrame, HandlerReply> inlineHandler,
                   ActorRef<ServerEvent> events, ActorRef<BlightProtocol.ServerCommand> server) {
    super(ctx);
    this.timers = timers;
    this.id = id;
    this.socket = socket;
    this.remote = remote;
    this.settings = settings;
    this.limits = settings.limits();
    this.handler = handler;
    this.inlineHandler = inlineHandler;
    this.events = events;
    this.server = server;
    this.name = describe(id, remote);
    this.handlerAdapter = ctx.messageAdapter(HandlerReply.class, HandlerAnswer::new);
    this.outbox = new Outbox(socket, ctx.messageAdapter(SocketProtocol.SendReply.class, SocketReply::new), options);
    this.decoder = new BlightDecoder(settings.maxMessageSize(), budget, BlightDecoder.DEFAULT_PIECE_SIZE,
        this::onFrame);
    this.budget = budget;
    if (handler != null) {
      decoder.reserveEveryPayload(); // the handler actor keeps them after onFrame returns
    }
    this.lastAnswerNanos = System.nanoTime();
    // Pull mode: a client that sends faster than this actor decodes is held back by TCP flow
    // control instead of filling this mailbox. A window of PULL_WINDOW chunks: the socket reads
    // the next chunks while this actor decodes the last (issue 10: taking turns, a 64 KiB Repaint
    // stream from another process ran at 0.7x the floor server's rate).
    // Lent buffers: the decoder reads each chunk where the kernel put it, with no heap copy of it
    // (a 64 KiB byte[] per read was 96 % of this actor's allocation; issue 10); the window bounds
    // the pool's use to PULL_WINDOW chunks.
    socket.tell(SocketProtocol.Register.pull(ctx.messageAdapter(SocketProtocol.Event.class, SocketEvent::new))
        .withLentBuffers().withPullWindow(PULL_WINDOW));
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
        .onMessage(SocketEvent.class, m -> flushed(onSocketEvent(m)))
        .onMessage(SocketReply.class, m -> flushed(onSocketReply(m)))
        .onMessage(HandlerAnswer.class, a -> flushed(onHandlerAnswer(a)))
        .onMessageEquals(PingTick.INSTANCE, () -> flushed(onPingTick()))
        .onMessageEquals(NotResponding.INSTANCE, this::onNotResponding)
        .onMessageEquals(GraceOver.INSTANCE, this::closeSocket)
        .onMessageEquals(CloseConnection.INSTANCE, () -> drain(null))
        .onMessageEquals(PayloadDue.INSTANCE, () -> flushed(onPayloadDue()))
        .onMessageEquals(BudgetRetry.INSTANCE, () -> flushed(onBudgetRetry()))
        .onMessageEquals(ReplyStall.INSTANCE, this::onReplyStall)
        .onSignal(PostStop.class, s -> onPostStop())
        .build();
  }

  /**
   * After a handler that may write (acks of the messages it decoded, Pings, held replies that now
   * fit): what it wrote leaves in one message to the socket ({@link Outbox#flush}); handlers that
   * tell the socket anything else do it through {@link Outbox#tell}, after the writes.
   */
  private Behavior<Command> flushed(Behavior<Command> next) {
    outbox.flush();
    return next;
  }

  // =============================================================================== inbound

  private Behavior<Command> onSocketEvent(SocketEvent m) {
    switch (m.event()) {
      case SocketProtocol.ReceivedBuffer b -> {
        if (state == State.RUNNING) {
          queuedChunks.add(b.buffer()); // behind any read ahead while one waits: order is the stream's
          return feedNext();
        }
        b.buffer().release();
        answersOwed++;
        resumeReading(); // draining: read on (and discard) so the peer's close is seen
      }
      case SocketProtocol.Received r ->
          throw new IllegalStateException(name + ": a heap Received on a socket registered with lent buffers");
      case SocketProtocol.PeerClosed pc -> {
        socketOpen = false; // the socket closes itself after EOF and refuses new sends
        if (state == State.RUNNING) {
          try {
            // Bytes held back by the reply bound are the client's last words: decode them now
            // (the chunk being fed and those read ahead, at most PULL_WINDOW). Bytes held back by
            // the budget cannot be: that is a truncation.
            while (!decoder.starved()) {
              if (unfed == null || !unfed.hasRemaining()) {
                dropChunk();
                NativeBuffer next = queuedChunks.poll();
                if (next == null) {
                  break;
                }
                chunkBuffer = next;
                unfed = next.byteBuffer();
              }
              decode(unfed);
            }
            dropChunks();
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
    return Behaviors.same();
  }

  /** Feeds a chunk; asks for the next one unless the budget or the reply bound says wait. */
  private Behavior<Command> feed(ByteBuffer chunk) {
    try {
      decode(chunk);
    } catch (BlightProtocolException e) {
      return drain(e);
    }
    armPayloadTimeout();
    trackStarvation();
    if (decoder.starved()) {
      unfed = chunk;
      timers.startSingleTimer(BudgetRetry.INSTANCE, Duration.ofMillis(BUDGET_RETRY_MILLIS));
      return Behaviors.same();
    }
    if (decoder.paused()) { // pending replies reached the bound mid-chunk (onFrame)
      unfed = chunk;
      holdBack();
      return Behaviors.same();
    }
    dropChunk();
    resumeReading();
    return feedNext();
  }

  /**
   * Feeds the oldest chunk not yet fed, unless one is being fed (or waits for budget) or replies
   * hold reading back: every chunk goes through the queue, so none overtakes another.
   */
  private Behavior<Command> feedNext() {
    NativeBuffer next = heldBack || state != State.RUNNING || chunkBuffer != null ? null : queuedChunks.poll();
    if (next == null) {
      return Behaviors.same();
    }
    chunkBuffer = next;
    return feed(next.byteBuffer());
  }

  /**
   * The chunk is fed (or will never be): its lent buffer goes back to the socket's pool, and the
   * socket is owed a ResumeReading for it.
   */
  private void dropChunk() {
    unfed = null;
    if (chunkBuffer != null) {
      chunkBuffer.release();
      chunkBuffer = null;
      answersOwed++;
    }
  }

  /** Nothing more will be fed: the chunk being fed and every queued one go back to the pool. */
  private void dropChunks() {
    dropChunk();
    NativeBuffer b;
    while ((b = queuedChunks.poll()) != null) {
      b.release();
      answersOwed++;
    }
  }

  private Behavior<Command> onBudgetRetry() {
    if (state != State.RUNNING || unfed == null || heldBack) {
      return Behaviors.same();
    }
    return feed(unfed);
  }

  /**
   * Notes when the message in progress started (its first byte, header or payload). One timer at
   * most is scheduled, and re-armed for the remainder when it fires early: restarting a timer per
   * message would leave one cancelled task per message in the scheduler until it is due.
   */
  private void armPayloadTimeout() {
    if (decoder.atMessageBoundary()) {
      partialMessage = -1;
      starvedNanos = 0;
    } else if (partialMessage != decoder.messagesDecoded()) {
      partialMessage = decoder.messagesDecoded();
      partialSinceNanos = System.nanoTime();
      starvedNanos = 0;
      if (starvedSinceNanos != 0) {
        starvedSinceNanos = partialSinceNanos; // a starvation that goes on counts from this message's start
      }
      if (!timers.isTimerActive(PayloadDue.INSTANCE)) {
        timers.startSingleTimer(PayloadDue.INSTANCE, limits.payloadTimeout());
      }
    }
  }

  /**
   * The payload clock does not run while the budget starves this connection: the bytes are here
   * (or the peer is held back by our not reading), so the delay is the server's. The wait stays
   * bounded: the budget frees as the connections holding it complete or time out, and theirs is
   * not stopped (they hold memory, they are not starved).
   */
  private void trackStarvation() {
    long now = System.nanoTime();
    if (decoder.starved()) {
      if (starvedSinceNanos == 0) {
        starvedSinceNanos = now;
      }
    } else if (starvedSinceNanos != 0) {
      starvedNanos += now - starvedSinceNanos;
      starvedSinceNanos = 0;
    }
  }

  private Behavior<Command> onPayloadDue() {
    if (state != State.RUNNING || partialMessage < 0) {
      return Behaviors.same(); // at a boundary: the next message re-arms
    }
    long now = System.nanoTime();
    long age = now - partialSinceNanos - starvedNanos - (starvedSinceNanos == 0 ? 0 : now - starvedSinceNanos);
    if (age < limits.payloadTimeout().toNanos()) {
      timers.startSingleTimer(PayloadDue.INSTANCE, limits.payloadTimeout().minusNanos(age));
      return Behaviors.same();
    }
    BlightHeader h = decoder.partialHeader();
    String what = h == null ? "a header (fewer than 12 bytes arrived)"
        : h.knownType().wireName() + " ackid " + h.ackidUnsigned() + " claiming " + h.size() + " payload bytes ("
          + (decoder.partialPayloadBytes() + (unfed == null ? 0 : unfed.remaining())) + " arrived)";
    return drain(new BlightProtocolException(BlightProtocolException.Fault.PAYLOAD_TIMEOUT, h,
        what + " was not complete within the payload timeout of " + limits.payloadTimeout().toMillis() + " ms"));
  }

  /** Messages read whose reply has not left: handler answers owed plus acks and Pings in the outbox. */
  private int pendingReplies() {
    return (int) Math.min(Integer.MAX_VALUE, handlerOwes + answeredHere.size() + outbox.pending());
  }

  /**
   * Feeds the decoder, then sends the answers the built-in handler gave to what it decoded (even
   * when it stops at a fault: those messages were good). Held to the end of the chunk so the acks
   * of one chunk reach the socket together and leave in one {@code sendmsg}; sent one by one, as
   * each 64 KiB Repaint was hashed, they woke the socket once per message (floor client into
   * zerowire's server: 0.97-1.05x -> 0.69-0.85x the floor's rate, issue 10).
   */
  private void decode(ByteBuffer chunk) {
    try {
      decoder.feed(chunk);
    } finally {
      for (HandlerReply r : answeredHere) {
        reply(r);
      }
      answeredHere.clear();
    }
  }

  /** Asks the socket for the next chunk, unless pending replies are at the bound (then TCP pushes back). */
  private void resumeReading() {
    int pending = pendingReplies();
    peakPendingReplies = Math.max(peakPendingReplies, pending);
    if (answersOwed == 0 || !socketOpen) {
      return;
    }
    if (state == State.RUNNING && pending >= limits.maxPendingReplies()) {
      holdBack();
      return;
    }
    for (; answersOwed > 0; answersOwed--) {
      outbox.tell(SocketProtocol.ResumeReading.INSTANCE); // after the replies written so far, as they were made
    }
  }

  /** Pending replies are at the bound: nothing more is fed or read until half have drained. */
  private void holdBack() {
    if (!heldBack) {
      heldBack = true;
      holdBacks++;
      heldBackSinceNanos = System.nanoTime();
      if (!timers.isTimerActive(ReplyStall.INSTANCE)) { // one task at most (see armPayloadTimeout)
        timers.startSingleTimer(ReplyStall.INSTANCE, limits.replyStallTimeout());
      }
    }
  }

  /** A reply finished (answered, or its send had its outcome): read again once half have drained. */
  private void replyDone() {
    if (!heldBack) {
      return;
    }
    // Progress (an answer came, or the client or the kernel for it took bytes). Only noted:
    // restarting the timer here would schedule one task per ack (a scheduler keeps cancelled
    // tasks until they are due).
    heldBackSinceNanos = System.nanoTime();
    if (pendingReplies() <= limits.maxPendingReplies() / 2) {
      heldBack = false; // the stall timer, if running, finds nothing held back and lapses
      if (unfed != null && state == State.RUNNING && !decoder.starved()) {
        feed(unfed); // the rest of the chunk that filled the bound; reads again once it is fed
      } else {
        resumeReading();
        feedNext();
      }
    }
  }

  private Behavior<Command> onReplyStall() {
    if (!heldBack || state == State.CLOSING) {
      return Behaviors.same();
    }
    long quietNanos = System.nanoTime() - heldBackSinceNanos;
    if (quietNanos < limits.replyStallTimeout().toNanos()) { // progress since: wait for the rest
      timers.startSingleTimer(ReplyStall.INSTANCE, limits.replyStallTimeout().minusNanos(quietNanos));
      return Behaviors.same();
    }
    if (outbox.pending() == 0) { // every pending reply is the handler's to give: not the client's doing
      heldBackSinceNanos = System.nanoTime();
      timers.startSingleTimer(ReplyStall.INSTANCE, limits.replyStallTimeout());
      return Behaviors.same();
    }
    long quiet = Duration.ofNanos(quietNanos).toMillis();
    BlightProtocolException e = new BlightProtocolException(BlightProtocolException.Fault.STALLED, null,
        "the client left " + outbox.pending() + " replies unread for " + quiet
            + " ms (reply stall timeout " + limits.replyStallTimeout().toMillis() + " ms)");
    if (state == State.RUNNING) {
      reportFault(e);
    }
    // Abort, not Close: a graceful close would first try to write the replies it cannot write.
    state = State.CLOSING;
    timers.cancel(PingTick.INSTANCE);
    timers.cancel(NotResponding.INSTANCE);
    timers.cancel(GraceOver.INSTANCE);
    decoder.abandon();
    if (socketOpen) {
      socketOpen = false;
      outbox.tell(new SocketProtocol.Abort(null));
    }
    return Behaviors.same();
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
    if (inlineHandler != null) {
      answeredHere.add(inlineHandler.apply(f)); // the built-in display server: no hop (sent by decode)
    } else {
      handlerOwes++;
      long held = decoder.takeDeliveredReservation();
      if (held > 0) {
        handlerHeld.computeIfAbsent(f.ackid(), k -> new ArrayDeque<>(1)).add(held);
      }
      handler.tell(new HandlerRequest(id, name, f, handlerAdapter));
    }
    int pending = pendingReplies();
    peakPendingReplies = Math.max(peakPendingReplies, pending);
    if (pending >= limits.maxPendingReplies()) {
      decoder.pauseAfterThisMessage(); // exact bound: the rest of this chunk waits (see feed)
    }
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
    ArrayDeque<Long> held = handlerHeld.get(a.reply().ackid());
    if (held != null) {
      budget.release(held.poll());
      if (held.isEmpty()) {
        handlerHeld.remove(a.reply().ackid());
      }
    }
    reply(a.reply());
    if (state == State.DRAINING && handlerOwes == 0) {
      return closeSocket();
    }
    replyDone();
    return Behaviors.same();
  }

  /** An answer to a message: its Ack goes out through the outbox, unless the socket is closing. */
  private void reply(HandlerReply r) {
    if (r instanceof AckWith ack) {
      if (socketOpen && state != State.CLOSING) {
        outbox.submit(BlightEncoder.header(BlightType.ACK, ack.ackid(), ack.data().length),
            ack.data().length == 0 ? null : ack.data(), null, Kind.ACK);
      } else {
        acksDropped++;
      }
    } else if (!(r instanceof NoAck)) {
      throw new IllegalStateException("unknown handler reply " + r);
    }
  }

  // ================================================================================== pings

  private Behavior<Command> onPingTick() {
    outbox.trimIfIdle(); // a burst's header memory goes back within a ping interval
    if (state != State.RUNNING || !socketOpen || heldBack) {
      return Behaviors.same(); // held back: the client is not reading; more Pings would only queue
    }
    pingId = pingId == BlightWire.MAX_UINT32 ? 1 : pingId + 1;
    outstandingPings.add(pingId);
    if (outstandingPings.size() > MAX_OUTSTANDING_PINGS) {
      outstandingPings.poll();
    }
    outbox.submit(BlightEncoder.header(BlightType.PING, pingId, 0), null, null, Kind.PING);
    return Behaviors.same();
  }

  private Behavior<Command> onNotResponding() {
    if (state == State.RUNNING && !silent) {
      silent = true;
      Duration quiet = Duration.ofNanos(System.nanoTime() - lastAnswerNanos);
      String msg = name + ": failed to respond to ping in time (no answer for " + quiet.toMillis() + " ms)";
      getContext().getLog().warn("{}", msg);
      error(msg);
      events.tell(new ClientUnresponsive(id, name, pingId, quiet));
    }
    return Behaviors.same();
  }

  // ================================================================================ outcomes

  private Behavior<Command> onSocketReply(SocketReply m) {
    switch (m.reply()) {
      case SocketProtocol.SendOutcome o -> onOutcome(o);
      case SocketProtocol.SendOutcomes batch -> batch.outcomes().forEach(this::onOutcome);
      case SocketProtocol.WritingResumed w -> { } // the outbox never lets the socket refuse for room
    }
    return Behaviors.same();
  }

  private void onOutcome(SocketProtocol.SendOutcome o) {
    Outbox.Pending p = outbox.complete(o);
    if (p == null) {
      return;
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
    replyDone();
  }

  // ================================================================================ closing

  private void reportFault(BlightProtocolException e) {
    String msg = name + ": " + e.getMessage() + "; connection closed";
    how = (e.fault().compareTo(BlightProtocolException.Fault.PAYLOAD_TIMEOUT) >= 0 ? "limit: " : "protocol fault: ")
        + e.getMessage();
    getContext().getLog().error("{}", msg);
    error(msg);
    events.tell(new ConnectionFault(id, name, e.fault(), msg));
  }

  /** Stop decoding; close once the handler has answered what it owes (bounded by the grace). */
  private Behavior<Command> drain(BlightProtocolException fault) {
    if (fault != null && state == State.RUNNING) {
      reportFault(fault);
    }
    if (state != State.RUNNING) {
      return Behaviors.same();
    }
    state = State.DRAINING;
    decoder.abandon(); // nothing more is decoded: a partial payload's budget goes back now
    dropChunks();
    timers.cancel(PingTick.INSTANCE);
    timers.cancel(NotResponding.INSTANCE);
    timers.cancel(PayloadDue.INSTANCE);
    timers.cancel(BudgetRetry.INSTANCE);
    resumeReading();
    if (handlerOwes == 0) {
      return closeSocket();
    }
    timers.startSingleTimer(GraceOver.INSTANCE, settings.handlerGrace());
    return Behaviors.same();
  }

  private Behavior<Command> closeSocket() {
    if (state == State.DRAINING) {
      state = State.CLOSING;
      timers.cancel(GraceOver.INSTANCE);
      if (socketOpen) {
        socketOpen = false;
        outbox.tell(new SocketProtocol.Close(null));
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onClosed(SocketProtocol.Closed c) {
    timers.cancelAll();
    socketOpen = false;
    decoder.abandon();
    releaseHandlerHeld();
    dropChunks();
    if (!how.startsWith("protocol fault") && !how.startsWith("limit: ")) {
      how = c.how();
    }
    if (c.how().startsWith("failed") && !peerWentAway(c.how())) {
      error(name + ": " + c.how());
    }
    for (Outbox.Pending p : outbox.socketGone(false)) {
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
        errors, how, socketStats, peakPendingReplies, holdBacks);
  }

  /**
   * Error lines a connection keeps for its summary, at most: a client that goes silent and
   * answers again, over and over, must not grow a line per episode for the life of the connection
   * (the server keeps up to {@code history} summaries; the log still has every line).
   */
  static final int MAX_ERRORS = 16;

  private void error(String line) {
    if (errors.size() < MAX_ERRORS) {
      errors.add(line);
    } else if (errors.size() == MAX_ERRORS) {
      errors.add(name + ": more errors not listed (see the log)");
    }
  }

  /** The connection ends: what its messages held in the budget goes back, answered or not. */
  private void releaseHandlerHeld() {
    for (ArrayDeque<Long> q : handlerHeld.values()) {
      q.forEach(budget::release);
    }
    handlerHeld.clear();
  }

  /** Stopped from outside (system shutdown): make sure the socket closes too. */
  private Behavior<Command> onPostStop() {
    decoder.abandon(); // the budget is the server's: give back what this connection held
    releaseHandlerHeld();
    dropChunks(); // a lent buffer released after its socket closed is freed
    if (socketOpen) {
      outbox.tell(new SocketProtocol.Close(null));
    }
    return Behaviors.same();
  }
}
