package dev.zerowire.actors;

import dev.zerowire.actors.InFlightTable.Entry;
import dev.zerowire.actors.SocketProtocol.Abort;
import dev.zerowire.actors.SocketProtocol.Close;
import dev.zerowire.actors.SocketProtocol.Closed;
import dev.zerowire.actors.SocketProtocol.Command;
import dev.zerowire.actors.SocketProtocol.ConfirmedClose;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.actors.SocketProtocol.Event;
import dev.zerowire.actors.SocketProtocol.Failed;
import dev.zerowire.actors.SocketProtocol.GetStats;
import dev.zerowire.actors.SocketProtocol.PeerClosed;
import dev.zerowire.actors.SocketProtocol.Received;
import dev.zerowire.actors.SocketProtocol.ReceivedBuffer;
import dev.zerowire.actors.SocketProtocol.Refused;
import dev.zerowire.actors.SocketProtocol.RefusalKind;
import dev.zerowire.actors.SocketProtocol.Register;
import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.ResumeReading;
import dev.zerowire.actors.SocketProtocol.Send;
import dev.zerowire.actors.SocketProtocol.SendOutcome;
import dev.zerowire.actors.SocketProtocol.SendOutcomes;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.actors.SocketProtocol.Sends;
import dev.zerowire.actors.SocketProtocol.SuspendReading;
import dev.zerowire.actors.SocketProtocol.WritingResumed;
import dev.zerowire.nativeio.BufferPool;
import dev.zerowire.nativeio.ErrorQueueHandler;
import dev.zerowire.nativeio.ExtendedError;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendIds;
import dev.zerowire.nativeio.SendVector;
import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.ReceiveBuilder;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One socket: owns its fd, its write queue and in-flight table ({@link InFlightTable}), its
 * zero-copy mode, limits and counters, and the inbound bytes read but not yet delivered. Only
 * this actor changes any of them.
 *
 * <h2>States (one behavior each)</h2>
 *
 * <pre>
 *   connecting ──connected──▶ open ──Close / ConfirmedClose / peer EOF──▶ closing: FLUSH ──▶ AWAIT ──done──▶ unregistering ──Unwatched──▶ stopped
 *       │                      │                                             │  close-timeout, error      ▲
 *       └─ failed / timeout    └──Abort / error──────────────────────────▶ closing: RESET ──done / grace─┘
 * </pre>
 *
 * <ul>
 *   <li><b>connecting</b>: a non-blocking connect(2) in progress, or (AF_UNIX) retried while the
 *       listener's backlog is full. Not yet watched by the reaper, so no error-queue read can
 *       consume the connect's SO_ERROR first. Bounded by {@code connect-timeout}.
 *   <li><b>open</b>: Sends are queued and flushed once per mailbox burst (a self {@code
 *       FlushNow}), many small sends in one gathered sendmsg. Writes go until EAGAIN, then wait
 *       for {@link Writable} (edge-triggered epoll).
 *   <li><b>closing FLUSH</b>: new Sends are refused; the queue is written out; then SHUT_WR.
 *   <li><b>closing AWAIT</b>: reads and delivers until the peer's end of stream (unless it came
 *       already) and waits for the completions of every zero-copy send.
 *   <li><b>closing RESET</b>: the bytes the kernel holds for us are read first (salvaged), then
 *       unwritten sends fail at once; {@code connect(AF_UNSPEC)} resets a TCP connection and
 *       purges the kernel's queues, whose completions then arrive; after the reset grace,
 *       whatever the kernel never confirmed is withheld, never handed back.
 *   <li><b>unregistering</b>: the fd has left epoll; waits for the reaper's {@link Unwatched},
 *       then closes the fd, sends {@link Closed} and stops.
 * </ul>
 *
 * <p>{@code close-timeout} runs from the first close command (or the peer's end of stream, or a
 * failure) to Closed and covers every closing step; {@code reset-grace} bounds the wait for the
 * kernel after a reset, and the reaper handshake.
 *
 * <p>What must stay true: every Send gets exactly one outcome; no buffer goes back while the
 * kernel may read it; every inbound byte the kernel gave us reaches the handler, in order, before
 * PeerClosed and Closed (see {@link SocketProtocol}); the fd is closed only after it left epoll and
 * the reaper, and only when nothing is left unread (or after a reset), so close(2) never turns a
 * graceful close into an RST. If the actor is stopped from outside (actor system shutdown), {@code
 * PostStop} runs the same rules with a bounded synchronous drain.
 */
final class SocketActor extends AbstractBehavior<Command> {

  // ----------------------------------------------------------------------- internal messages

  /** From the poller: readable, hang-up, or (no error queue) an error. */
  enum Readable implements SocketProtocol.SocketInternal { INSTANCE }

  /** From the poller: the send buffer has room (or a connect finished). */
  enum Writable implements SocketProtocol.SocketInternal { INSTANCE }

  /** From the reaper: it will never read this socket's error queue again. */
  enum Unwatched implements SocketProtocol.SocketInternal { INSTANCE }

  /** From the reaper: the doorbell of this socket's {@link CompletionInbox}. */
  enum CompletionsReady implements SocketProtocol.SocketInternal { INSTANCE }

  /** From the manager at actor system shutdown: close gracefully within {@code budget}. */
  record ShutdownClose(Duration budget) implements SocketProtocol.SocketInternal {}

  private enum FlushNow implements SocketProtocol.SocketInternal { INSTANCE }

  private enum CloseTimeout implements SocketProtocol.SocketInternal { INSTANCE }

  private enum ResetGraceOver implements SocketProtocol.SocketInternal { INSTANCE }

  private enum UnwatchTimeout implements SocketProtocol.SocketInternal { INSTANCE }

  private enum ProbeZeroCopy implements SocketProtocol.SocketInternal { INSTANCE }

  /**
   * Whoever asked for this socket (a Connect's replyTo) stopped before the connect completed:
   * nobody would take the Connected, so nobody would ever use or close the socket. The connect is
   * abandoned. Watched only while connecting: an ask's temporary actor ends with its answer.
   */
  private enum RequesterGone implements SocketProtocol.SocketInternal { INSTANCE }

  /**
   * The registered handler stopped: nobody reads what comes in, nobody will close the socket (a
   * handler stopped from outside, or one that failed). Pekko IO's death pact with the handler:
   * the socket closes gracefully, bounded by close-timeout; inbound bytes are read and dropped.
   */
  private enum HandlerGone implements SocketProtocol.SocketInternal { INSTANCE }

  /**
   * The socket's owner stopped before any handler registered for it: an accepted socket's bind
   * handler, or the actor that connected it (its Connect's replyTo, unless that was an ask's
   * temporary actor). It may still be claimed (a Pekko Streams bind source ends with take(1)
   * while its connection is handled next), so the socket waits close-timeout for a Register
   * ({@link Unclaimed}), then closes. Pekko IO's connection waits register-timeout for any
   * Register; zerowire lets a socket send without one, so it waits only once its owner is gone.
   */
  private enum OwnerGone implements SocketProtocol.SocketInternal { INSTANCE }

  /** The wait after {@link OwnerGone} is over. */
  private enum Unclaimed implements SocketProtocol.SocketInternal { INSTANCE }

  private enum ConnectTimeout implements SocketProtocol.SocketInternal { INSTANCE }

  private enum RetryConnect implements SocketProtocol.SocketInternal { INSTANCE }

  private enum Phase { CONNECTING, OPEN, CLOSING, UNREGISTERING, STOPPED }

  private enum ClosingStep { FLUSH, AWAIT, RESET }

  /** What the actor needs from the runtime. */
  record Runtime(Poller poller, ActorRef<Reaper.Command> reaper, ActorRef<SocketProtocol.ManagerCommand> manager,
      Duration slowReleaseThreshold, boolean assumeLocalCopies) {}

  /** Who hears that the socket opened (Connected, or Accepted for a listener's handler) or failed to. */
  interface OpenListener {
    void opened(Connected connected);

    void failed(Throwable cause);

    /** The actor the opening is for, watched while connecting ({@link RequesterGone}); null for none. */
    default ActorRef<?> requester() {
      return null;
    }

    /**
     * An accepted socket's owner until a handler registers (the bind handler its {@code Accepted}
     * went to), watched until then ({@link OwnerGone}); null for none.
     */
    default ActorRef<?> ownerUntilRegistered() {
      return null;
    }
  }

  /**
   * A socket actor for {@code socket}. With {@code connectTo} it connects there first (a
   * non-blocking connect(2)); without, the socket is connected already (accepted, adopted, UDP).
   */
  static Behavior<Command> create(NativeSocket socket, SocketOptions options, Runtime runtime,
      SocketAddress connectTo, OpenListener onOpen) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      SocketActor a = new SocketActor(ctx, timers, socket, options, runtime);
      return a.start(connectTo, onOpen);
    }));
  }

  // ---------------------------------------------------------------------------------- state

  private final TimerScheduler<Command> timers;
  private final NativeSocket socket;
  private final SocketOptions options;
  private final Runtime runtime;
  private final long token;
  private final String name;
  private final boolean datagram;
  private final boolean tcp;
  private final InFlightTable table = new InFlightTable();
  private final CompletionInbox inbox = new CompletionInbox();
  private Poller.Registration registration; // with the poller from start until close
  private final SendVector vector;
  /**
   * Heap-mode reads, reads without a handler and the close's salvage go through this one buffer;
   * made at its first use, so a socket whose handler takes lent buffers (a blight server's
   * connections: 256 KiB reads) holds only its pool's chunks. Null until then.
   */
  private NativeBuffer readBuffer;
  private final List<Entry> finished = new ArrayList<>();
  private final ReplyBatch<SendReply, SendOutcome> outcomes = new ReplyBatch<>(SendOutcomes::new);
  private boolean holdingBatch; // inside one flush loop or inbox drain: emit gathers, the caller tells
  private final Set<ActorRef<SendReply>> refused = new LinkedHashSet<>();
  private final List<ActorRef<Event>> closeWatchers = new ArrayList<>();

  private boolean zeroCopyCapable;
  private boolean watchedByReaper;
  private boolean waitingWritable;
  private boolean epollOut = true; // registered with EPOLLOUT (connect completion); off after the first Writable that finds the queue written
  private boolean flushScheduled;
  private boolean pausedForPinned;
  private boolean refusingForRoom;
  private boolean adaptiveZeroCopy = true;
  private boolean localPeer; // adaptive, peer on this host: copy for good, no probes
  private boolean probing; // adaptive: zero copy again after a rest, on trial
  private Duration probeInterval;
  private long copiedInARow;
  private long completionReadNanos; // when the reaper read the batch being applied
  private Phase phase = Phase.OPEN;
  private ClosingStep closingStep;
  private String closeHow = "closed";
  private String failReason = "socket closed";

  // connecting
  private OpenListener onOpen;
  private SocketAddress connectTo;
  private Duration connectRetry;
  private boolean backlogWasFull;

  // reading: what the kernel gave us goes to the handler in order, and only to it
  private ActorRef<Event> handler;
  private ActorRef<?> requester; // watched while connecting: see RequesterGone
  private ActorRef<?> owner; // a bind handler, or whoever connected the socket: watched until a handler registers
  private boolean readingSuspended;
  private boolean pullMode; // suspend once pullWindow chunks await the handler's ResumeReading
  private int pullWindow = 1;
  private int unanswered; // pull mode: chunks delivered and not yet answered by a ResumeReading
  private boolean keepOpenOnPeerClosed;
  private boolean inputDone; // end of stream, a receive error, or a reset: nothing more to read
  private boolean eofSeen; // the peer's end of stream was read
  private boolean peerClosedSent;
  private boolean deliverUnasked; // the close timeout passed: deliver what is left without waiting
  private final ArrayDeque<Event> undelivered = new ArrayDeque<>(); // read, not yet given to the handler
  private boolean lent; // the handler takes off-heap buffers from the pool (ReceivedBuffer)
  private BufferPool pool; // made at the first lent Register; bounded by receive-pool-chunks
  private long droppedWithoutHandler;

  // closing
  private boolean awaitEof; // graceful close: wait for the peer's end of stream
  private boolean confirmClose; // ConfirmedClose: the peer's end of stream is required
  private Duration closeTimeout; // the close timer in effect (shutdown may shorten it); null: not started

  // counters
  private long sends;
  private long bytes;
  private long sendCalls;
  private long zeroCopySends;
  private long completions;
  private long copiedCompletions;
  private long enobufsFallbacks;
  private long modeSwitches;
  private long released;
  private long failed;
  private long refusedCount;
  private long withheld;

  private SocketActor(ActorContext<Command> ctx, TimerScheduler<Command> timers, NativeSocket socket,
      SocketOptions options, Runtime runtime) {
    super(ctx);
    this.timers = timers;
    this.socket = socket;
    this.options = options;
    this.runtime = runtime;
    this.token = runtime.poller().newToken();
    this.name = socket.kind() + "#" + token;
    this.datagram = !socket.isStream() && socket.type() == Kernel.SOCK_DGRAM;
    this.tcp = socket.isStream() && !socket.isUnix();
    this.vector = new SendVector(datagram ? Kernel.UIO_MAXIOV : options.gatherLimit());
  }

  private Behavior<Command> start(SocketAddress connectTo, OpenListener onOpen) {
    this.onOpen = onOpen;
    this.connectTo = connectTo;
    try {
      configure();
      // While connecting, EPOLLERR comes here, not to the reaper: the connect's error is ours.
      registration = Poller.Registration.socket(token, socket.fd(), getContext().getSelf());
      runtime.poller().register(registration);
    } catch (IOException | RuntimeException e) {
      onOpen.failed(e);
      socket.close();
      releaseNativeResources();
      phase = Phase.STOPPED;
      return Behaviors.stopped();
    }
    owner = onOpen.ownerUntilRegistered();
    if (owner != null) {
      getContext().watchWith(owner, OwnerGone.INSTANCE);
    }
    if (connectTo == null) {
      opened();
    } else {
      phase = Phase.CONNECTING;
      requester = onOpen.requester();
      if (requester != null) {
        getContext().watchWith(requester, RequesterGone.INSTANCE);
      }
      timers.startSingleTimer(ConnectTimeout.INSTANCE, options.connectTimeout());
      attemptConnect();
    }
    current = behavior(); // from setup: the behavior itself, never Behaviors.same()
    return current;
  }

  /** Connected: watch the error queue, tell whoever opened the socket, pick the adaptive mode. */
  private void opened() {
    if (zeroCopyCapable) {
      // Watch first: the reaper must know the token before the poller can tell it of an EPOLLERR,
      // or that drain cycle (CompletionInbox) would open with nobody to end it.
      runtime.reaper().tell(new Reaper.Watch(token, socket, getContext().getSelf(), inbox));
      runtime.poller().attachReaper(registration, runtime.reaper(), inbox);
      watchedByReaper = true;
    }
    timers.cancel(ConnectTimeout.INSTANCE);
    timers.cancel(RetryConnect.INSTANCE);
    Connected c = connected();
    if (options.mode() == SendMode.ADAPTIVE && zeroCopyCapable && runtime.assumeLocalCopies() && isLocal(c.remote())) {
      adaptiveZeroCopy = false; // the kernel copies whatever it delivers locally: never pin for nothing
      localPeer = true;
    }
    phase = Phase.OPEN;
    if (requester != null) {
      getContext().unwatch(requester); // it has its answer now (an ask's actor ends with it)
      if (!isTemporary(requester)) { // whoever asked owns it until a handler registers (OwnerGone)
        owner = requester;
        getContext().watchWith(owner, OwnerGone.INSTANCE);
      }
      requester = null;
    }
    onOpen.opened(c);
  }

  /**
   * Whether {@code ref} is one of Pekko's short-lived actors under {@code /temp}, such as an ask's
   * (Pekko docs, "Top-Level Scopes for Actor Paths"): it stops once it has its answer, so it
   * cannot own a socket.
   */
  private static boolean isTemporary(ActorRef<?> ref) {
    java.util.Iterator<String> elements = ref.path().getElements().iterator();
    return elements.hasNext() && elements.next().equals("temp");
  }

  /** Whether {@code remote} is this host: loopback, or one of its own interface addresses. */
  private static boolean isLocal(SocketAddress remote) {
    if (!(remote instanceof java.net.InetSocketAddress inet) || inet.getAddress() == null) {
      return false;
    }
    java.net.InetAddress a = inet.getAddress();
    try {
      return a.isLoopbackAddress() || a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  private void configure() throws IOException {
    if (!socket.isUnix() && options.mode() != SendMode.COPY) {
      zeroCopyCapable = socket.setZeroCopy(true).enabled();
    }
    if (options.sendBufferSize() > 0) {
      socket.setSendBufferSize(options.sendBufferSize());
    }
    if (options.receiveBufferSize() > 0) {
      socket.setReceiveBufferSize(options.receiveBufferSize());
    }
    if (tcp && options.tcpNoDelay()) {
      socket.setTcpNoDelay(true);
    }
  }

  private Connected connected() {
    return new Connected(getContext().getSelf(), address(true), address(false), zeroCopyCapable);
  }

  private SocketAddress address(boolean local) {
    try {
      return local ? socket.localAddress() : socket.remoteAddress();
    } catch (IOException | RuntimeException e) {
      return null; // e.g. an unnamed AF_UNIX socketpair end
    }
  }

  // ============================================================================= connecting

  /** connect(2), first or again after a full AF_UNIX backlog. */
  private Behavior<Command> attemptConnect() {
    NativeSocket.ConnectStatus status;
    try {
      status = socket.startConnect(connectTo);
    } catch (IOException | RuntimeException e) {
      return connectFailed(e.getMessage());
    }
    switch (status) {
      case CONNECTED -> opened();
      case IN_PROGRESS -> { } // Writable (or Readable for an error) ends it
      case BACKLOG_FULL -> {
        // unix(7): a non-blocking connect to a full backlog fails with EAGAIN where a blocking one
        // waits; wait the same way, polling with backoff (no readiness event exists for it).
        backlogWasFull = true;
        connectRetry = connectRetry == null ? Duration.ofMillis(1)
            : connectRetry.multipliedBy(2).compareTo(Duration.ofMillis(100)) > 0 ? Duration.ofMillis(100)
            : connectRetry.multipliedBy(2);
        timers.startSingleTimer(RetryConnect.INSTANCE, connectRetry);
      }
    }
    return next();
  }

  /** A readiness event while connecting: the connect ended, failed, or (spuriously) neither. */
  private Behavior<Command> onConnectReadiness() {
    try {
      if (socket.finishConnect()) {
        opened();
      }
    } catch (IOException | RuntimeException e) {
      return connectFailed(e.getMessage());
    }
    return next();
  }

  private Behavior<Command> onConnectTimeout() {
    return connectFailed("timed out after " + options.connectTimeout().toMillis() + " ms (connect-timeout, ETIMEDOUT)"
        + (backlogWasFull ? "; the listener's backlog stayed full (EAGAIN)" : ""));
  }

  private Behavior<Command> connectFailed(String why) {
    onOpen.failed(new IOException("connect to " + connectTo + ": " + why));
    closeHow = "connect failed: " + why;
    unregister();
    return next();
  }

  // ============================================================================== behaviors

  /**
   * What every handler returns: {@link #behavior()}, as {@code Behaviors.same()} when it is the one
   * Pekko holds already. Returning the same behavior object is not the same to Pekko: the
   * {@code withTimers} interceptor around this actor would wrap it anew, one allocation per
   * message (InterceptorImpl.deduplicate; the JFR allocation profile of small-messages showed it).
   */
  private Behavior<Command> next() {
    Behavior<Command> b = behavior();
    if (b == current) {
      return Behaviors.same();
    }
    current = b;
    return b;
  }

  private Behavior<Command> current; // the behavior Pekko holds now

  /**
   * The behavior for the current phase, after moving the close sequence on as far as the state
   * allows. Every handler ends here, so a transition made deep inside (a flush that finished the
   * queue, a completion that emptied the table, the end of stream) is never lost.
   */
  private Behavior<Command> behavior() {
    if (phase == Phase.CLOSING) {
      if (closingStep == ClosingStep.FLUSH && !table.hasUnwritten()) {
        beginAwait();
      }
      if (closeComplete()) {
        unregister();
      }
    }
    return switch (phase) {
      case CONNECTING -> connecting == null ? connecting = buildConnecting() : connecting;
      case OPEN -> this;
      case CLOSING -> closing == null ? closing = buildClosing() : closing;
      case UNREGISTERING -> unregistering == null ? unregistering = buildUnregistering() : unregistering;
      case STOPPED -> Behaviors.stopped();
    };
  }

  /** Every Send has its outcome, every byte read was delivered, and the peer has ended (or need not). */
  private boolean closeComplete() {
    if (closingStep == ClosingStep.FLUSH || !table.isEmpty() || !undelivered.isEmpty()) {
      return false;
    }
    return closingStep == ClosingStep.RESET || !awaitEof || inputDone;
  }

  private Receive<Command> connecting;
  private Receive<Command> closing;
  private Receive<Command> unregistering;

  private Receive<Command> buildConnecting() {
    return withPostStop(newReceiveBuilder()
        .onMessageEquals(Writable.INSTANCE, this::onConnectReadiness)
        .onMessageEquals(Readable.INSTANCE, this::onConnectReadiness)
        .onMessageEquals(RetryConnect.INSTANCE, this::attemptConnect)
        .onMessageEquals(ConnectTimeout.INSTANCE, this::onConnectTimeout)
        .onMessage(GetStats.class, this::onGetStats)
        .onMessage(Sends.class, b -> each(b, s -> refuse(s, RefusalKind.CLOSED, name + " is not connected yet")))
        .onMessage(Send.class, s -> {
          refuse(s, RefusalKind.CLOSED, name + " is not connected yet");
          return next();
        })
        .onMessage(Close.class, c -> abandonConnect(c.replyTo()))
        .onMessage(ConfirmedClose.class, c -> abandonConnect(c.replyTo()))
        .onMessage(Abort.class, a -> abandonConnect(a.replyTo()))
        .onMessage(ShutdownClose.class, c -> abandonConnect(null))
        .onMessageEquals(RequesterGone.INSTANCE, () -> {
          getContext().getLog().info("{}: whoever asked for it stopped while it connected; abandoning the connect", name);
          return abandonConnect(null);
        })
        .onAnyMessage(m -> Behaviors.same()));
  }

  /** Close or Abort before the connection was made: the connect fails, nothing was sent. */
  private Behavior<Command> abandonConnect(ActorRef<Event> replyTo) {
    watch(replyTo);
    onOpen.failed(new IOException("connect to " + connectTo + " abandoned: Close or Abort before it completed"));
    closeHow = "closed before connected";
    unregister();
    return next();
  }

  @Override
  public Receive<Command> createReceive() { // open
    return withPostStop(dataPath(newReceiveBuilder().onMessage(Send.class, this::onSend)
            .onMessage(Sends.class, b -> each(b, this::onSend)))
        .onMessageEquals(ProbeZeroCopy.INSTANCE, this::onProbe)
        .onMessage(Close.class, c -> {
          beginClose(c.replyTo(), false, options.closeTimeout());
          return next();
        })
        .onMessage(ConfirmedClose.class, c -> {
          beginClose(c.replyTo(), true, options.closeTimeout());
          return next();
        })
        .onMessage(ShutdownClose.class, c -> {
          beginClose(null, false, c.budget());
          return next();
        })
        .onMessage(Abort.class, a -> {
          watch(a.replyTo());
          abort();
          return next();
        }));
  }

  private Receive<Command> buildClosing() {
    return withPostStop(dataPath(newReceiveBuilder().onMessage(Send.class, s -> {
          refuse(s, RefusalKind.CLOSED, name + " is closing");
          return next();
        })
        .onMessage(Sends.class, b -> each(b, s -> refuse(s, RefusalKind.CLOSED, name + " is closing"))))
        .onMessage(Close.class, c -> {
          watch(c.replyTo());
          return next();
        })
        .onMessage(ConfirmedClose.class, c -> {
          watch(c.replyTo());
          return next();
        })
        .onMessage(ShutdownClose.class, c -> {
          if (closingStep != ClosingStep.RESET) {
            closeTimeout = c.budget(); // shutdown has its own deadline
            timers.startSingleTimer(CloseTimeout.INSTANCE, c.budget());
          }
          return next();
        })
        .onMessage(Abort.class, a -> {
          watch(a.replyTo());
          if (closingStep != ClosingStep.RESET) {
            abort();
          }
          return next();
        })
        .onMessageEquals(CloseTimeout.INSTANCE, this::onCloseTimeout)
        .onMessageEquals(ResetGraceOver.INSTANCE, () -> {
          table.forgetAll(finished); // the kernel never confirmed these: withheld, never handed back
          emit();
          return next();
        })
        .onAnyMessage(m -> next()));
  }

  private Receive<Command> buildUnregistering() {
    return withPostStop(newReceiveBuilder()
        .onMessage(Send.class, s -> {
          refuse(s, RefusalKind.CLOSED, name + " is closed");
          return next();
        })
        .onMessage(Sends.class, b -> each(b, s -> refuse(s, RefusalKind.CLOSED, name + " is closed")))
        .onMessageEquals(CompletionsReady.INSTANCE, this::onCompletionsReady)
        .onMessage(GetStats.class, this::onGetStats)
        .onMessage(Close.class, c -> {
          watch(c.replyTo());
          return next();
        })
        .onMessage(ConfirmedClose.class, c -> {
          watch(c.replyTo());
          return next();
        })
        .onMessage(Abort.class, a -> {
          watch(a.replyTo());
          return next();
        })
        .onMessageEquals(Unwatched.INSTANCE, this::finishClose)
        .onMessageEquals(UnwatchTimeout.INSTANCE, this::finishClose)
        .onAnyMessage(m -> next()));
  }

  /** What open and closing share: writing, reading, completions, flow control, stats. */
  private ReceiveBuilder<Command> dataPath(ReceiveBuilder<Command> b) {
    return b.onMessageEquals(FlushNow.INSTANCE, this::onFlushNow)
        .onMessageEquals(Writable.INSTANCE, this::onWritable)
        .onMessageEquals(Readable.INSTANCE, this::read)
        .onMessageEquals(CompletionsReady.INSTANCE, this::onCompletionsReady)
        .onMessage(Register.class, this::onRegister)
        .onMessageEquals(HandlerGone.INSTANCE, this::onHandlerGone)
        .onMessageEquals(OwnerGone.INSTANCE, () -> {
          if (handler == null) { // else a handler registered while this was on its way: it owns the socket
            timers.startSingleTimer(Unclaimed.INSTANCE, options.closeTimeout());
          }
          return next();
        })
        .onMessageEquals(Unclaimed.INSTANCE, () -> {
          if (handler == null && phase == Phase.OPEN) {
            getContext().getLog().info("{}: its owner (the bind handler it was accepted for, or the actor that "
                + "connected it) stopped, and nobody registered for it within close-timeout; closing", name);
            beginClose(null, false, options.closeTimeout());
          }
          return next();
        })
        .onMessageEquals(RequesterGone.INSTANCE, this::next) // raced its unwatch: connected by now
        .onMessageEquals(SuspendReading.INSTANCE, this::onSuspend)
        .onMessageEquals(ResumeReading.INSTANCE, this::onResume)
        .onMessage(GetStats.class, this::onGetStats);
  }

  private Receive<Command> withPostStop(ReceiveBuilder<Command> b) {
    return b.onSignal(PostStop.class, s -> onPostStop()).build();
  }

  // =============================================================================== sending

  private Behavior<Command> onSend(Send s) {
    String invalid = validate(s);
    if (invalid != null) {
      refuse(s, RefusalKind.INVALID, invalid);
      return next();
    }
    long size = s.size();
    if (refusingForRoom || table.queuedBytes() + size > options.maxQueuedBytes()
        || table.entries() >= options.maxQueuedSends()) {
      refusingForRoom = true;
      refused.add(s.replyTo());
      refuse(s, RefusalKind.NO_ROOM, name + " has " + table.queuedBytes() + " bytes queued in " + table.entries()
          + " Sends without outcome; bounds " + options.maxQueuedBytes() + " bytes, " + options.maxQueuedSends()
          + " Sends: wait for WritingResumed");
      return next();
    }
    table.add(s.buffers(), size, s); // no clock read per Send: the slow-release clock starts when written
    sends++;
    if (!flushScheduled) { // once per mailbox burst: the sends behind this one gather into one call
      flushScheduled = true;
      getContext().getSelf().tell(FlushNow.INSTANCE);
    }
    return next();
  }

  /**
   * Each Send of a {@link Sends}, in order, by the state's own Send handler: exactly what telling
   * them one by one would do (no handler of a Send changes the state, so one state takes them all).
   */
  private Behavior<Command> each(Sends b, java.util.function.Consumer<Send> handler) {
    boolean outer = holdOutcomes(); // refusals of a batch travel batched too
    try {
      for (Send s : b.sends()) {
        handler.accept(s);
      }
    } finally {
      releaseOutcomes(outer);
    }
    return next();
  }

  /** Null when the Send is valid, else one line naming what is wrong (built only then: hot path). */
  private String validate(Send s) {
    if (s.buffers().isEmpty()) {
      return what(s) + " has no buffers";
    }
    long size = 0;
    for (NativeBuffer b : s.buffers()) {
      if (b.isReleased()) {
        return what(s) + " holds a released buffer";
      }
      size += b.length();
    }
    if (size == 0) { // a datagram too: the table has no state for an entry that is written yet never sent
      return what(s) + (datagram ? " is an empty datagram (0 bytes): zerowire sends none (it receives them)"
          : " is empty (0 bytes)");
    }
    if (size > options.maxQueuedBytes()) {
      return what(s) + " is " + size + " bytes: it can never fit the queue bound of " + options.maxQueuedBytes() + " bytes";
    }
    if (datagram && size > (socket.family() == Kernel.AF_INET6 ? 65527 : 65507)) {
      return what(s) + " is " + size + " bytes: larger than any UDP datagram";
    }
    if (datagram && s.buffers().size() > Kernel.UIO_MAXIOV) {
      return what(s) + " has " + s.buffers().size() + " buffers; a datagram takes at most " + Kernel.UIO_MAXIOV;
    }
    return null;
  }

  private String what(Send s) {
    return "Send " + s.correlationId() + " to " + name;
  }

  private void refuse(Send s, RefusalKind kind, String reason) {
    refusedCount++;
    reply(s, new Refused(s.correlationId(), s.buffers(), kind, reason));
    if (!holdingBatch) {
      outcomes.flush();
    }
  }

  private Behavior<Command> onFlushNow() {
    flushScheduled = false;
    flush();
    return next();
  }

  private Behavior<Command> onWritable() {
    waitingWritable = false;
    flush();
    if (!waitingWritable) {
      watchWritable(false); // written out: no EPOLLOUT until the next EAGAIN (Poller.watchWritable)
    }
    return next();
  }

  /** The poller made the registration one-shot for a drain cycle that has now ended: re-arm it. */
  private void rearm() {
    try {
      runtime.poller().rearm(registration);
    } catch (IOException e) { // without it the socket would never hear of its fd again
      reset("failed: " + e.getMessage(), "epoll_ctl(MOD) re-arming " + name + " failed: " + e.getMessage());
    }
  }

  /** EPOLLOUT on while a write waits for room, off otherwise; a failure to turn it on resets. */
  private void watchWritable(boolean on) {
    if (epollOut == on || !socket.isOpen()) {
      return;
    }
    try {
      runtime.poller().watchWritable(registration, on);
      epollOut = on;
    } catch (IOException e) {
      if (on) { // without the event the queue would wait forever
        reset("failed: " + e.getMessage(), "epoll_ctl(EPOLLOUT) on " + name + " failed: " + e.getMessage());
      }
    }
  }

  private boolean zeroCopyNow() {
    return zeroCopyCapable
        && (options.mode() == SendMode.ZEROCOPY || (options.mode() == SendMode.ADAPTIVE && adaptiveZeroCopy));
  }

  /**
   * Writes until the queue is empty, the kernel says EAGAIN, or too much is pinned. Outcomes of
   * the whole loop go out together (see {@link #holdOutcomes}).
   */
  private void flush() {
    if (phase != Phase.OPEN && !(phase == Phase.CLOSING && closingStep == ClosingStep.FLUSH)) {
      return;
    }
    boolean outer = holdOutcomes();
    try {
      flushLoop();
    } finally {
      releaseOutcomes(outer);
    }
  }

  private void flushLoop() {
    while (!waitingWritable) {
      if (table.pinnedBytes() >= options.maxPinnedBytes()) {
        pausedForPinned = true; // completions resume writing
        break;
      }
      boolean zc = table.gather(vector, options.gatherBytes(), options.zeroCopyThreshold(), zeroCopyNow(), datagram);
      if (vector.count() == 0) {
        break;
      }
      long n;
      try {
        n = socket.send(vector, zc);
        if (n == NativeSocket.NO_BUFFERS) { // optmem/memlock: the same bytes again, copied
          enobufsFallbacks++;
          JfrEvents.EnobufsFallback ev = new JfrEvents.EnobufsFallback();
          if (ev.shouldCommit()) {
            ev.socket = name;
            ev.bytes = vector.totalBytes();
            ev.commit();
          }
          zc = false;
          n = socket.send(vector, false);
          if (options.mode() == SendMode.ADAPTIVE && adaptiveZeroCopy) { // no memory for zero copy: rest a while
            restFromZeroCopy("ENOBUFS: optmem_max or RLIMIT_MEMLOCK reached");
          }
        }
      } catch (IOException e) {
        reset("failed: " + e.getMessage(), "send on " + name + " failed: " + e.getMessage());
        return;
      }
      if (n == NativeSocket.WOULD_BLOCK || n == 0) {
        waitingWritable = true;
        watchWritable(true);
        break;
      }
      sendCalls++;
      bytes += n;
      if (zc) {
        zeroCopySends++;
      }
      table.written(n, zc, System.nanoTime(), finished);
      emit(n < (long) finished.size() * SMALL_SEND_BYTES); // a call of small Sends: see RELEASE_EARLY_AT
    }
    maybeResumeWriting();
  }

  private void maybeResumeWriting() {
    if (refusingForRoom && table.queuedBytes() <= options.maxQueuedBytes() / 2
        && table.entries() <= options.maxQueuedSends() / 2) {
      refusingForRoom = false;
      for (ActorRef<SendReply> r : refused) {
        r.tell(new WritingResumed(getContext().getSelf()));
      }
      refused.clear();
    }
  }

  // =========================================================================== completions

  private Behavior<Command> onCompletionsReady() {
    long before = completions;
    applyInbox();
    if (watchedByReaper) {
      switch (inbox.endCycle(completions > before, awaitsReadiness())) {
        case AGAIN -> runtime.reaper().tell(new Reaper.ErrorQueueReady(token)); // completions came meanwhile
        case OVER_REARM -> rearm();
        case OVER -> {}
      }
    }
    if (options.mode() == SendMode.ADAPTIVE && adaptiveZeroCopy && copiedInARow >= options.adaptiveCopiedToSwitch()) {
      restFromZeroCopy(copiedInARow + " completions in a row came back COPIED");
    }
    if (pausedForPinned && table.pinnedBytes() < options.maxPinnedBytes()) {
      pausedForPinned = false;
      flush();
    }
    maybeResumeWriting(); // completions free Sends too (max-queued-sends)
    return next();
  }

  /**
   * Whether this socket waits for something only epoll reports: room to write, or inbound data
   * (and the peer's end of stream) for a handler that reads, or for a close
   * ({@link CompletionInbox#endCycle}: a quiet cycle does not go on while it does).
   */
  private boolean awaitsReadiness() {
    return phase != Phase.OPEN || waitingWritable || (handler != null && !readingSuspended);
  }

  private void applyInbox() {
    boolean outer = holdOutcomes();
    try {
      CompletionInbox.Batch b;
      while ((b = inbox.poll()) != null) {
        apply(b);
      }
    } finally {
      releaseOutcomes(outer);
    }
  }

  /**
   * A flush loop tells held outcomes once this many have gathered, without waiting for its end,
   * when the sendmsg call that finished them wrote small Sends (under {@link #SMALL_SEND_BYTES}
   * each on average). Why (issue 10): a sender that refills its window from its outcomes (the
   * blight client's callers) then refills while the loop writes on. Holding a whole loop's
   * outcomes made a window of 1,024 small messages travel as one batch, every stage waiting for
   * the one before, about one core busy of two; told every 64, with the blight outbox's hand-off
   * (Outbox.HAND_OFF_AT), small messages went from 4.4-4.6 M to 6.2-6.6 M msg/s. Only for small
   * Sends: a loop of 4 KiB Sends is busy with bytes on both cores (the kernel's copy, the
   * receiver), and telling early there only added wakes (stream-tcp 4 KiB went from 0.98-1.06x
   * to 0.84-0.92x Netty). Small UDP datagrams, a call each, still travel 64 outcomes a message.
   */
  static final int RELEASE_EARLY_AT = 64;
  /** Sends under this many bytes on average are small for {@link #RELEASE_EARLY_AT}. */
  static final int SMALL_SEND_BYTES = 1024;

  /**
   * Holds batched outcomes from here (a flush loop, an inbox drain) until {@link #releaseOutcomes}
   * in the caller's finally (or until {@link #RELEASE_EARLY_AT} have gathered), then tells them:
   * one {@link SendOutcomes} per receiver for the loop instead of one per sendmsg or per
   * completion batch. Why (issue 10): a UDP socket makes
   * one sendmsg per Send, so per-call outcomes woke the sender once per datagram; the loop is
   * bounded (the queue, EAGAIN, the pinned bound), so an outcome waits at most for the rest of the
   * loop, and the finally makes sure it is never left behind, whatever the loop throws. True when
   * this call is the outermost hold (a flush inside a drain leaves the telling to the drain).
   */
  private boolean holdOutcomes() {
    boolean outer = !holdingBatch;
    holdingBatch = true;
    return outer;
  }

  private void releaseOutcomes(boolean outer) {
    if (outer) {
      holdingBatch = false;
      outcomes.flush();
    }
  }

  private void apply(CompletionInbox.Batch c) {
    completionReadNanos = c.drainedNanos();
    long ids = 0;
    long copiedIds = 0;
    int before = finished.size();
    for (int i = 0; i < c.count(); i++) {
      long len = SendIds.rangeLength(c.lo()[i], c.hi()[i]);
      completions++;
      ids += len;
      if (c.copied()[i]) {
        copiedIds += len;
        copiedInARow += len;
      } else {
        copiedInARow = 0;
        probing = false; // true zero copy: the probe paid off, the next rest starts from the base
      }
      long unknown = table.complete(c.lo()[i], c.hi()[i], c.copied()[i], finished);
      if (unknown > 0) {
        getContext().getLog().warn("{}: completion {}..{} named {} id(s) not in flight (counted, ignored)",
            name, SendIds.toString(c.lo()[i]), SendIds.toString(c.hi()[i]), unknown);
      }
    }
    copiedCompletions += copiedIds;
    for (ExtendedError e : c.others()) {
      getContext().getLog().debug("{}: error-queue message that is not a completion: {}", name, e);
    }
    JfrEvents.CompletionBatch ev = new JfrEvents.CompletionBatch();
    if (ev.shouldCommit()) {
      ev.socket = name;
      ev.ranges = c.count();
      ev.ids = ids;
      ev.copiedIds = copiedIds;
      ev.released = finished.size() - before;
      ev.commit();
    }
    emit();
  }

  /**
   * Adaptive: zero copy is not paying (COPIED, or ENOBUFS): copy, and try again later. A probe
   * that ends here too doubles the wait (up to 64 times the configured interval), so a socket
   * whose route always copies spends ever less of its time finding that out again.
   */
  private void restFromZeroCopy(String why) {
    switchMode(false, why);
    Duration base = options.adaptiveProbeInterval();
    probeInterval = !probing || probeInterval == null ? base
        : probeInterval.multipliedBy(2).compareTo(base.multipliedBy(64)) > 0 ? base.multipliedBy(64)
        : probeInterval.multipliedBy(2);
    probing = false;
    timers.startSingleTimer(ProbeZeroCopy.INSTANCE, probeInterval);
  }

  private Behavior<Command> onProbe() {
    if (options.mode() == SendMode.ADAPTIVE && !adaptiveZeroCopy && !localPeer) {
      probing = true;
      switchMode(true, "probe after " + probeInterval.toMillis() + " ms in copy mode");
    }
    return next();
  }

  private void switchMode(boolean toZeroCopy, String why) {
    adaptiveZeroCopy = toZeroCopy;
    copiedInARow = 0;
    modeSwitches++;
    getContext().getLog().debug("{}: adaptive switch to {}: {}", name, toZeroCopy ? "zero copy" : "copy", why);
    JfrEvents.ModeSwitch ev = new JfrEvents.ModeSwitch();
    if (ev.shouldCommit()) {
      ev.socket = name;
      ev.toZeroCopy = toZeroCopy;
      ev.why = why;
      ev.commit();
    }
  }

  /** Sends the outcome of every finished entry, exactly once each. */
  private void emit() {
    emit(false);
  }

  /**
   * {@link #emit()}; with {@code early}, held outcomes are told once {@link #RELEASE_EARLY_AT}
   * have gathered.
   */
  private void emit(boolean early) {
    if (finished.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    for (Entry e : finished) {
      Send s = (Send) e.owner;
      if (e.withheld) {
        withheld++;
        failed++;
        getContext().getLog().error("{}: Send {} ({} bytes) withheld: the kernel never confirmed it let go of the buffers",
            name, s.correlationId(), e.size);
        reply(s, new Failed(s.correlationId(), s.buffers(), failReason, e.anyWritten(), true));
      } else if (e.abandoned) {
        failed++;
        reply(s, new Failed(s.correlationId(), s.buffers(), failReason, e.anyWritten(), false));
      } else {
        released++;
        reply(s, new Released(s.correlationId(), s.buffers(), e.copied));
        long nanos = now - e.writtenNanos;
        if (e.usedZeroCopy && nanos > runtime.slowReleaseThreshold().toNanos()) {
          JfrEvents.SlowRelease ev = new JfrEvents.SlowRelease();
          if (ev.shouldCommit()) {
            ev.socket = name;
            ev.correlationId = s.correlationId();
            ev.bytes = e.size;
            ev.nanos = nanos;
            ev.completionToReleaseNanos = now - completionReadNanos; // a zero-copy send ends on a completion
            ev.commit();
          }
        }
      }
    }
    if (!holdingBatch || early && outcomes.gathered() >= RELEASE_EARLY_AT) {
      outcomes.flush();
    }
    finished.clear();
  }

  /** Tells an outcome, or gathers it for its replyTo when the Send asked for batched outcomes. */
  private void reply(Send s, SendOutcome o) {
    outcomes.add(s.replyTo(), o, s.batchOutcomes());
  }

  // ================================================================================ reading

  private Behavior<Command> onRegister(Register r) {
    if (owner != null) {
      getContext().unwatch(owner); // the handler owns it from now on (it may be the same actor)
      owner = null;
    }
    timers.cancel(Unclaimed.INSTANCE);
    if (r.handler() != handler) {
      if (handler != null) {
        getContext().unwatch(handler);
      }
      getContext().watchWith(r.handler(), HandlerGone.INSTANCE);
    }
    handler = r.handler();
    pullMode = r.pull();
    pullWindow = r.pullWindow();
    keepOpenOnPeerClosed = r.keepOpenOnPeerClosed();
    lent = r.lent();
    if (lent && pool == null) {
      pool = new BufferPool(options.readBufferSize(), options.receivePoolChunks());
    }
    return read();
  }

  private Behavior<Command> onHandlerGone() {
    handler = null;
    dropUndelivered();
    if (phase == Phase.OPEN) {
      getContext().getLog().info("{}: its handler stopped without closing it; closing", name);
      beginClose(null, false, options.closeTimeout());
    } else if (phase == Phase.CLOSING && closingStep == ClosingStep.AWAIT) {
      readWithoutHandler(); // until the peer's end of stream, as a close without a handler does
    }
    return next();
  }

  /**
   * Read, never delivered, and nobody to deliver to any more (the handler stopped): what a
   * close waits for ({@link #closeComplete}) must not wait for them, and lent memory goes back.
   */
  private void dropUndelivered() {
    for (Event e; (e = undelivered.poll()) != null; ) {
      if (e instanceof ReceivedBuffer b) {
        droppedWithoutHandler += b.buffer().length();
        b.buffer().release();
      } else if (e instanceof Received r) {
        droppedWithoutHandler += r.data().length;
      }
    }
  }

  private Behavior<Command> onSuspend() {
    readingSuspended = true;
    return next();
  }

  private Behavior<Command> onResume() {
    if (!pullMode) {
      readingSuspended = false;
      return read(); // edge-triggered: data that came while suspended raised no new edge
    }
    boolean held = readingSuspended;
    unanswered = Math.max(0, unanswered - 1); // the handler is done with a chunk
    if (unanswered >= pullWindow) {
      return next();
    }
    readingSuspended = false;
    // Not held: the last read ended at EAGAIN (an edge will come), at its turn's limit (a Readable
    // is queued) or on an empty pool (one is promised): reading now would only find EAGAIN.
    return held ? read() : next();
  }

  /** Pull mode: one more chunk is with the handler; at the window, wait for its ResumeReading. */
  private boolean atPullWindow() {
    if (!pullMode || deliverUnasked) {
      return false;
    }
    unanswered++;
    if (unanswered >= pullWindow) {
      readingSuspended = true;
      return true;
    }
    return false;
  }

  /**
   * Delivers what was read before (salvaged), then reads until EAGAIN (up to 16 reads a turn,
   * then yields to the mailbox), delivering to the handler; in pull mode until {@code pullWindow}
   * chunks await the handler's ResumeReading. Without a handler nothing is read, except while closing (see {@link
   * #readWithoutHandler}).
   */
  private Behavior<Command> read() {
    if (handler == null) {
      readWithoutHandler();
      return next();
    }
    if (!undelivered.isEmpty() || inputDone) {
      deliver();
      return next();
    }
    if (readingSuspended) {
      return next();
    }
    for (int i = 0; i < 16; i++) {
      long chunk = 0; // lent mode: the pool chunk read into
      long n;
      try {
        if (lent) {
          chunk = pool.take();
          if (chunk == 0) { // every buffer is lent out: read again when one comes back
            ActorRef<Command> self = getContext().getSelf();
            pool.whenReturned(() -> self.tell(Readable.INSTANCE));
            return next();
          }
          n = socket.recv(chunk, pool.chunkSize());
        } else {
          n = socket.recv(readBuffer(), 0, readBuffer.length());
        }
      } catch (IOException e) {
        giveBack(chunk);
        inputDone = true; // recv returns queued data before the error (tcp_recvmsg): nothing was lost
        reset("failed: " + e.getMessage(), "receive on " + name + " failed: " + e.getMessage());
        return next();
      }
      if (n == NativeSocket.WOULD_BLOCK) {
        giveBack(chunk);
        return next();
      }
      if (n == 0 && !datagram) {
        giveBack(chunk);
        endOfStream();
        return next();
      }
      if (chunk != 0) {
        NativeBuffer b = n > 0 ? pool.lend(chunk, (int) n) : NativeBuffer.allocate(0); // n == 0: an empty datagram
        if (n == 0) {
          pool.giveBack(chunk);
        }
        handler.tell(new ReceivedBuffer(getContext().getSelf(), b));
      } else {
        handler.tell(new Received(getContext().getSelf(), copyOut(n)));
      }
      if (atPullWindow()) {
        return next(); // the handler's ResumeReading asks for the next chunk
      }
    }
    getContext().getSelf().tell(Readable.INSTANCE); // more may wait: yield to the mailbox first
    return next();
  }

  private NativeBuffer readBuffer() {
    if (readBuffer == null) {
      readBuffer = NativeBuffer.allocate(datagram ? 65536 : options.readBufferSize());
    }
    return readBuffer;
  }

  private byte[] copyOut(long n) {
    byte[] data = new byte[(int) n];
    readBuffer.get(0, data, 0, data.length);
    return data;
  }

  private void giveBack(long chunk) {
    if (chunk != 0) {
      pool.giveBack(chunk);
    }
  }

  /** The first {@code n} bytes of the read buffer as an event of the handler's kind. */
  private Event eventOf(long n) {
    if (!lent) {
      return new Received(getContext().getSelf(), copyOut(n));
    }
    NativeBuffer b = NativeBuffer.allocate((int) n); // salvage path: the pool may be all lent out
    b.byteBuffer().put(0, readBuffer.byteBuffer(), 0, (int) n);
    return new ReceivedBuffer(getContext().getSelf(), b);
  }

  /** The peer's end of stream: PeerClosed once everything before it is delivered; close unless half-close. */
  private void endOfStream() {
    inputDone = true;
    eofSeen = true;
    deliver();
    if (phase == Phase.OPEN && !keepOpenOnPeerClosed) {
      closeHow = "peer closed";
      beginClose(null, false, options.closeTimeout());
    }
  }

  /**
   * Gives the handler what was read and not yet delivered, as its reading mode allows (all of it
   * once the close timeout has passed), then PeerClosed after the last byte of a stream that
   * ended.
   */
  private void deliver() {
    if (handler == null) {
      return;
    }
    while (!undelivered.isEmpty() && (!readingSuspended || deliverUnasked)) {
      handler.tell(undelivered.poll());
      atPullWindow();
    }
    if (undelivered.isEmpty() && eofSeen && !peerClosedSent) {
      peerClosedSent = true;
      handler.tell(new PeerClosed(getContext().getSelf()));
    }
  }

  /**
   * Reads everything the kernel holds for this socket now (SIOCINQ), before anything that would
   * purge it: connect(AF_UNSPEC) empties the receive queue (tcp_disconnect(), net/ipv4/tcp.c),
   * and so does close(2). Bounded by what was queued when it started, so a peer that keeps
   * sending cannot hold the reset back; the kernel's receive buffer bounds the memory.
   */
  private void salvage() {
    if (inputDone || datagram || !socket.isOpen()) {
      return;
    }
    if (handler == null) {
      readWithoutHandler();
      return;
    }
    long left;
    try {
      left = socket.readableBytes();
    } catch (IOException e) {
      left = 0;
    }
    while (left > 0) {
      long n;
      try {
        n = socket.recv(readBuffer(), 0, readBuffer.length());
      } catch (IOException e) {
        break;
      }
      if (n == NativeSocket.WOULD_BLOCK) {
        break;
      }
      if (n == 0) {
        eofSeen = true;
        break;
      }
      undelivered.add(eventOf(n));
      left -= n;
    }
    if (left <= 0 && !eofSeen) { // the end of stream may sit right behind the data
      try {
        long n = socket.recv(readBuffer(), 0, readBuffer.length());
        if (n == 0) {
          eofSeen = true;
        } else if (n > 0) {
          undelivered.add(eventOf(n)); // came after SIOCINQ was read: delivered all the same
        }
      } catch (IOException e) {
        // a reset behind the data: the stream ends without an end of stream
      }
    }
    inputDone = true;
  }

  /**
   * Nobody registered to receive: while open the bytes stay in the kernel (flow control holds the
   * peer back). While closing they must still be read, or the end of stream never shows and
   * close(2) with unread data would reset the connection and destroy what the peer has not read
   * yet; with no one to give them to, they are counted and dropped, and logged once.
   */
  private void readWithoutHandler() {
    if (phase != Phase.CLOSING || inputDone || datagram || !socket.isOpen()) {
      return;
    }
    long before = droppedWithoutHandler;
    for (int i = 0; ; i++) {
      if (i == 16) { // a peer that keeps sending: yield to the mailbox, go on at the next turn
        getContext().getSelf().tell(Readable.INSTANCE);
        break;
      }
      long n;
      try {
        n = socket.recv(readBuffer(), 0, readBuffer.length());
      } catch (IOException e) {
        inputDone = true;
        break;
      }
      if (n == NativeSocket.WOULD_BLOCK) {
        break;
      }
      if (n == 0) {
        inputDone = true;
        eofSeen = true;
        break;
      }
      droppedWithoutHandler += n;
    }
    if (before == 0 && droppedWithoutHandler > 0) {
      getContext().getLog().warn("{}: closing with no handler registered: inbound bytes are read and dropped", name);
    }
  }

  // ================================================================================ closing

  private void watch(ActorRef<Event> replyTo) {
    if (replyTo != null && !closeWatchers.contains(replyTo)) {
      closeWatchers.add(replyTo);
    }
  }

  /** Close, ConfirmedClose, shutdown or the peer's end of stream: write out, FIN, wait for the peer. */
  private void beginClose(ActorRef<Event> replyTo, boolean confirm, Duration timeout) {
    watch(replyTo);
    phase = Phase.CLOSING;
    closingStep = ClosingStep.FLUSH;
    // UDP has no end of stream to wait for (recv's 0 is an empty datagram): a datagram socket is
    // closed once every Send has its outcome, not after close-timeout. A ConfirmedClose still waits
    // for one, and fails at close-timeout: a UDP peer cannot confirm, and Closed must not say it did.
    awaitEof = socket.isStream() || confirm;
    confirmClose = confirm;
    if (confirm) {
      closeHow = "confirmed";
    }
    failReason = name + " closed before this Send was written";
    startCloseTimer(timeout);
    refuseWaitingSenders();
    flush();
  }

  private void startCloseTimer(Duration timeout) {
    if (closeTimeout == null) {
      closeTimeout = timeout;
      timers.startSingleTimer(CloseTimeout.INSTANCE, timeout);
    }
  }

  private void refuseWaitingSenders() {
    for (ActorRef<SendReply> r : refused) {
      r.tell(new WritingResumed(getContext().getSelf())); // their retry will be refused as CLOSED
    }
    refused.clear();
    refusingForRoom = false;
  }

  /** Everything is written: half-close; reading goes on until the peer's end of stream. */
  private void beginAwait() {
    closingStep = ClosingStep.AWAIT;
    if (socket.isStream()) {
      try {
        socket.shutdownOutput(); // FIN after the last byte (shutdown(2))
      } catch (IOException e) {
        getContext().getLog().debug("{}: shutdown(SHUT_WR): {}", name, e.getMessage());
      }
    }
    if (handler == null) {
      readWithoutHandler();
    }
  }

  /** The close timeout passed: deliver what is left, then end without waiting longer. */
  private Behavior<Command> onCloseTimeout() {
    long ms = closeTimeout.toMillis();
    deliverUnasked = true;
    if (closingStep != ClosingStep.RESET) {
      salvage();
      if (confirmClose && !eofSeen) {
        reset("failed: no end of stream from the peer within close-timeout",
            name + ": ConfirmedClose: the peer did not end its stream within close-timeout (" + ms + " ms)");
      } else if (!table.isEmpty()) {
        reset(closeHow + " (reset after close-timeout)", name + ": close-timeout (" + ms
            + " ms) passed before this Send was " + (table.hasUnwritten() ? "written" : "released by the kernel"));
      } else if (!inputDone || !eofSeen) {
        closeHow = closeHow + " (no end of stream from the peer within close-timeout)";
        awaitEof = false;
      }
    }
    deliver();
    return next();
  }

  /** Abort: read what the kernel holds, then reset now (RST even when nothing is pinned). */
  private void abort() {
    reset("aborted", name + " was aborted", true);
  }

  private void reset(String how, String reason) {
    reset(how, reason, false);
  }

  /**
   * Abort, error, or close timeout: nothing more is written; what the kernel holds for us is read
   * first; then wait only for what the kernel still pins. A TCP connection is reset when {@code
   * rst} or when zero-copy sends are pinned (the reset makes the kernel give them back).
   */
  private void reset(String how, String reason, boolean rst) {
    closeHow = how;
    failReason = reason;
    phase = Phase.CLOSING;
    closingStep = ClosingStep.RESET;
    refuseWaitingSenders();
    salvage(); // before connect(AF_UNSPEC) or close(2) purges the receive queue
    startCloseTimer(options.closeTimeout()); // bounds delivering the salvaged bytes to a slow handler
    table.abandonUnwritten(finished);
    emit();
    if (tcp && (rst || table.pinnedEntries() > 0)) {
      disconnect(); // purges write and retransmit queues so completions come
    }
    deliver();
    timers.startSingleTimer(ResetGraceOver.INSTANCE, options.resetGrace());
  }

  private void disconnect() {
    try {
      socket.disconnect(); // RST (tcp_disconnect)
    } catch (IOException e) {
      getContext().getLog().debug("{}: connect(AF_UNSPEC): {}", name, e.getMessage());
    }
  }

  /** Leaves epoll now, and the reaper by handshake; the fd is closed when the reaper confirms. */
  private void unregister() {
    timers.cancel(CloseTimeout.INSTANCE);
    timers.cancel(ResetGraceOver.INSTANCE);
    timers.cancel(ProbeZeroCopy.INSTANCE);
    timers.cancel(ConnectTimeout.INSTANCE);
    timers.cancel(RetryConnect.INSTANCE);
    runtime.poller().deregister(registration);
    phase = Phase.UNREGISTERING;
    if (watchedByReaper) {
      runtime.reaper().tell(new Reaper.Unwatch(token));
      timers.startSingleTimer(UnwatchTimeout.INSTANCE, options.resetGrace());
    } else {
      getContext().getSelf().tell(Unwatched.INSTANCE);
    }
  }

  private Behavior<Command> finishClose() {
    watchedByReaper = false;
    applyInbox(); // the reaper's last drain, rung before it confirmed
    table.forgetAll(finished); // empty unless the reaper handshake timed out
    emit();
    closeNow();
    return next();
  }

  /** Closes the fd, frees native memory, tells everyone. The last step of every path. */
  private void closeNow() {
    socket.close();
    releaseNativeResources();
    phase = Phase.STOPPED;
    if (droppedWithoutHandler > 0) {
      getContext().getLog().warn("{}: {} inbound bytes arrived while closing with no handler registered and were dropped",
          name, droppedWithoutHandler);
    }
    SocketStats stats = stats();
    Closed closed = new Closed(getContext().getSelf(), closeHow, stats);
    watch(handler);
    for (ActorRef<Event> w : closeWatchers) {
      w.tell(closed);
    }
    runtime.manager().tell(new Manager.SocketFinished(stats));
  }

  private void releaseNativeResources() {
    vector.free();
    if (pool != null) {
      pool.close(); // lent buffers still out are freed as their holders release them
    }
    if (readBuffer != null && !readBuffer.isReleased()) {
      readBuffer.release();
    }
  }

  /**
   * Stopped from outside (actor system shutdown, parent stopped): the same rules, synchronously
   * and bounded, because no more messages will come. On a virtual thread the short sleeps park.
   */
  private Behavior<Command> onPostStop() {
    if (phase == Phase.STOPPED) {
      return Behaviors.same();
    }
    if (phase == Phase.CONNECTING) {
      onOpen.failed(new IOException("connect to " + connectTo + ": the socket actor was stopped"));
    }
    closeHow = "stopped";
    failReason = name + " was stopped (actor system shutdown?)";
    if (phase != Phase.CONNECTING) {
      salvage();
    }
    deliverUnasked = true;
    deliver();
    table.abandonUnwritten(finished);
    emit();
    if (table.pinnedEntries() > 0) {
      if (tcp) {
        disconnect();
      }
      drainSynchronously(System.nanoTime() + options.resetGrace().toNanos());
    }
    applyInbox();
    table.forgetAll(finished);
    emit();
    runtime.poller().deregister(registration);
    if (watchedByReaper) {
      runtime.reaper().tell(new Reaper.Unwatch(token));
    }
    closeNow();
    return Behaviors.same();
  }

  /** Reads the error queue here, until nothing is pinned or the deadline passes. */
  private void drainSynchronously(long deadlineNanos) {
    ErrorQueueHandler direct = new ErrorQueueHandler() {
      @Override
      public void onCompletion(int lo, int hi, boolean copied) {
        table.complete(lo, hi, copied, finished);
      }

      @Override
      public void onOtherError(ExtendedError error) {}
    };
    while (table.pinnedEntries() > 0 && System.nanoTime() < deadlineNanos) {
      applyInbox(); // what the reaper read, whether or not its doorbell was ever processed
      try {
        if (socket.drainErrorQueue(direct, 1024) == 0 && table.pinnedEntries() > 0) {
          Thread.sleep(1);
        }
      } catch (IOException | RuntimeException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      emit();
    }
  }

  // ================================================================================= stats

  private Behavior<Command> onGetStats(GetStats g) {
    g.replyTo().tell(stats());
    return next();
  }

  private SocketStats stats() {
    return new SocketStats(sends, bytes, sendCalls, zeroCopySends, completions, copiedCompletions,
        enobufsFallbacks, modeSwitches, table.pinnedEntries(), table.pinnedBytes(), table.peakPinnedBytes(),
        released, failed, refusedCount, withheld, table.unknownIds());
  }
}
