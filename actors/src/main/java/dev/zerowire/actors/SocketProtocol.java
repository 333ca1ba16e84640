package dev.zerowire.actors;

import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import java.net.SocketAddress;
import java.util.List;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The public message protocol of zerowire: how other actors open sockets, send buffers and
 * receive data. (Pekko IO keeps its {@code Tcp} protocol apart from {@code TcpConnection} the same
 * way; the actors that serve it are package-private.)
 *
 * <h2>Who talks to whom</h2>
 *
 * <pre>
 *   your actor --Connect/Bind/OpenUdp/Adopt--> manager   (ZeroWire.get(system).manager())
 *   manager    --Connected / CommandFailed---> your actor
 *   listener   --Bound, Accepted, Unbound----> your listener handler
 *   your actor --Register, Send, Close, ...--> socket actor (one per socket)
 *   socket     --Released/Failed/Refused-----> the Send's replyTo    (exactly one per Send)
 *   socket     --Received, PeerClosed, Closed-> the registered handler
 * </pre>
 *
 * <h2>Buffer ownership</h2>
 *
 * A {@link Send} hands its buffers to the socket actor. From then until the one {@link
 * SendOutcome} for that Send arrives, the buffers belong to zerowire and the kernel: do not
 * write, reuse or release them, because with MSG_ZEROCOPY the kernel reads them after the send
 * call has returned (Documentation/networking/msg_zerocopy.rst). Every Send gets exactly one
 * outcome, whatever happens to the socket, the peer, or the actor system.
 *
 * <h2>Closing: the rules</h2>
 *
 * <ul>
 *   <li><b>Nothing the kernel delivered is discarded.</b> After a write error (EPIPE,
 *       ECONNRESET), a reset, the peer's hang-up, an {@link Abort} or any close, every byte still
 *       readable on the socket is read and delivered to the handler, in order, before {@link
 *       PeerClosed} (if the stream ended) and {@link Closed}. A suspended or pull-mode handler
 *       still gets all of it as it resumes; what it has not asked for when the close timeout
 *       passes is delivered then, unasked. (Linux keeps data that arrived before a reset
 *       readable: tcp_reset() purges only the write queue, net/ipv4/tcp_input.c; zerowire reads
 *       it before its own connect(AF_UNSPEC), which would purge it.) Only a socket with no
 *       handler reads nothing: there is nobody to deliver to.
 *   <li><b>A graceful close never becomes a reset while the peer is alive and reading.</b>
 *       {@link Close} and {@link ConfirmedClose}: refuse new Sends, write out the queue, {@code
 *       shutdown(SHUT_WR)} (FIN), keep reading and delivering until the peer's end of stream,
 *       wait for every zero-copy completion, then close the fd, whose receive queue is then empty
 *       so close(2) sends no RST (RFC 2525 section 2.17; tcp_close() in net/ipv4/tcp.c).
 *   <li><b>Every phase of every close is bounded</b> by {@code close-timeout} (from the close
 *       command to Closed, writing included) and {@code reset-grace} (after a reset, for the
 *       kernel to give back pinned buffers). When the close timeout passes the connection is
 *       reset, every Send left gets {@link Failed} (with {@code mayHaveReachedPeer}) and {@link
 *       Closed} follows. Actor system shutdown closes every socket the same way within
 *       CoordinatedShutdown's service-stop phase.
 *   <li>The peer's end of stream closes the socket gracefully ({@link PeerClosed}, queued Sends
 *       still written, then {@link Closed}), unless the handler registered with {@code
 *       keepOpenOnPeerClosed}: then PeerClosed arrives and the socket stays open for sending
 *       (half-close) until the handler closes it.
 * </ul>
 */
public final class SocketProtocol {
  private SocketProtocol() {}

  /**
   * Everything zerowire sends to your actors. An actor that takes {@code Reply} needs no message
   * adapters: pass {@code getContext().getSelf().narrow()} as the {@code replyTo} of Connect and
   * Send, as the handler of Bind and Register, and switch over what arrives.
   */
  public sealed interface Reply permits ConnectReply, ListenerEvent, SendReply, Event {}

  // =============================================================================== opening

  /** Sent to the manager ({@link ZeroWire#manager()}). */
  public sealed interface ManagerCommand permits Connect, Bind, OpenUdp, Adopt, ManagerInternal {}

  /**
   * Connect a stream socket to {@code remote}: TCP over IPv4 or IPv6 ({@link
   * java.net.InetSocketAddress}), or AF_UNIX ({@link java.net.UnixDomainSocketAddress}).
   *
   * <p>Reply to {@code replyTo}: {@link Connected} with the new socket actor, or {@link
   * CommandFailed} (refused, unreachable, timed out, bad address) naming the address and the
   * errno. The error is the connect's own, from SO_ERROR: zerowire reads no error queue before
   * the connect has ended, so nothing consumes it first, and "connected" is confirmed with
   * getpeername, never inferred from a zero SO_ERROR. A Connect that has not ended within the
   * options' {@code connectTimeout} fails with ETIMEDOUT. AF_UNIX: a full listen backlog (EAGAIN)
   * is waited out, as a blocking connect(2) would, until the connect timeout. If {@code replyTo}
   * stops while the connect is under way, the connect is abandoned and the fd closed: nobody would
   * take the socket. Once connected, {@code replyTo} owns the socket until a handler registers:
   * if it stops first, the socket waits {@code close-timeout} for a {@link Register} and then
   * closes gracefully (a socket you only send on: register a handler, or close it when done). An
   * ask's temporary actor owns nothing (it ends with its answer): a socket connected by an ask
   * stays open until it is closed or a registered handler stops.
   */
  public record Connect(SocketAddress remote, SocketOptions options, ActorRef<ConnectReply> replyTo)
      implements ManagerCommand {
    public Connect {
      Objects.requireNonNull(remote, "remote");
      Objects.requireNonNull(options, "options");
      Objects.requireNonNull(replyTo, "replyTo");
    }
  }

  /**
   * Listen on {@code local} (TCP v4/v6, or an AF_UNIX path, which must not exist yet) and give
   * each accepted connection its own socket actor.
   *
   * <p>The {@code handler} gets {@link Bound} (with the listener, to send {@link Unbind}) or
   * {@link BindFailed} naming the address and the errno; then one {@link Accepted} per
   * connection; and {@link Unbound} when the listener stops. An AF_UNIX path is created with mode
   * 0600 and removed at unbind; one longer than {@code sun_path} (107 bytes) is refused.
   *
   * <p>When accept(2) fails for want of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM) the listener
   * backs off, retries, and accepts everything still in the backlog once resources are free.
   *
   * <p>The listener watches {@code handler} (Pekko IO's death pact): if it stops, the listener
   * unbinds. An accepted socket is the handler's until a handler {@link Register}s for it: if the
   * bind handler stops first, the socket waits {@code close-timeout} for a Register (a stream's
   * bind source may end while its last connection is being handled) and then closes itself, so no
   * connection is left with nobody to read or close it.
   *
   * @param maxConnections connections this listener keeps open at once; at the limit new ones
   *     wait in the listen backlog. 0: no limit; -1: {@code zerowire.listener.max-connections}
   */
  public record Bind(SocketAddress local, SocketOptions options, int backlog, ActorRef<ListenerEvent> handler,
      int maxConnections) implements ManagerCommand {
    public Bind {
      Objects.requireNonNull(local, "local");
      Objects.requireNonNull(options, "options");
      Objects.requireNonNull(handler, "handler");
      if (maxConnections < -1) {
        throw new IllegalArgumentException("maxConnections " + maxConnections + ": use 0 for no limit");
      }
    }

    /** With the configured {@code max-connections}. */
    public Bind(SocketAddress local, SocketOptions options, int backlog, ActorRef<ListenerEvent> handler) {
      this(local, options, backlog, handler, -1);
    }
  }

  /**
   * Open a UDP socket bound to {@code local} (null: any port) and connected to {@code remote}.
   * Each Send is one datagram (its buffers gathered); the reply is as for {@link Connect}.
   */
  public record OpenUdp(SocketAddress local, SocketAddress remote, SocketOptions options,
      ActorRef<ConnectReply> replyTo) implements ManagerCommand {
    public OpenUdp {
      Objects.requireNonNull(remote, "remote");
      Objects.requireNonNull(options, "options");
      Objects.requireNonNull(replyTo, "replyTo");
    }
  }

  /**
   * Take over an existing connected socket, e.g. one end of a socketpair (blight's transport).
   * From now on the socket actor owns and closes it; the caller must not use it. Reply: {@link
   * Connected}, or {@link CommandFailed}.
   */
  public record Adopt(NativeSocket socket, SocketOptions options, ActorRef<ConnectReply> replyTo)
      implements ManagerCommand {
    public Adopt {
      Objects.requireNonNull(socket, "socket");
      Objects.requireNonNull(options, "options");
      Objects.requireNonNull(replyTo, "replyTo");
    }
  }

  /** Manager messages that only zerowire sends. */
  non-sealed interface ManagerInternal extends ManagerCommand {}

  /** Replies to {@link Connect}, {@link OpenUdp} and {@link Adopt}. */
  public sealed interface ConnectReply extends Reply permits Connected, CommandFailed {}

  /**
   * The socket is open. {@code zeroCopy} says whether SO_ZEROCOPY could be enabled (false on
   * AF_UNIX, where the copy path gives the same API and outcomes).
   */
  public record Connected(ActorRef<Command> socket, SocketAddress local, SocketAddress remote, boolean zeroCopy)
      implements ConnectReply {}

  /** Opening failed; nothing was left open. {@code command} is the request. */
  public record CommandFailed(Object command, Throwable cause) implements ConnectReply {
    @Override
    public String toString() {
      return "CommandFailed(" + command.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
    }
  }

  // ============================================================================== listening

  /** What a {@link Bind} handler receives. */
  public sealed interface ListenerEvent extends Reply permits Bound, BindFailed, Accepted, Unbound {}

  /** Listening on {@code local}; send {@link Unbind} to {@code listener} to stop. */
  public record Bound(ActorRef<ListenerCommand> listener, SocketAddress local) implements ListenerEvent {}

  /** Bind or listen failed (address in use, path exists, ...); nothing was left open. */
  public record BindFailed(SocketAddress local, Throwable cause) implements ListenerEvent {}

  /**
   * A connection arrived and has its own socket actor. It reads nothing until a handler is
   * {@link Register}ed; sends work at once.
   */
  public record Accepted(ActorRef<Command> socket, SocketAddress remote, boolean zeroCopy) implements ListenerEvent {}

  /** The listener stopped; accepted sockets live on. */
  public record Unbound(SocketAddress local) implements ListenerEvent {}

  /** Sent to a listener. */
  public sealed interface ListenerCommand permits Unbind, ListenerInternal {}

  /** Stop listening: close the listening socket (and remove an AF_UNIX path); reply {@link Unbound}. */
  public enum Unbind implements ListenerCommand { INSTANCE }

  non-sealed interface ListenerInternal extends ListenerCommand {}

  // ========================================================================= socket commands

  /** Sent to a socket actor. */
  public sealed interface Command
      permits Register, SuspendReading, ResumeReading, Send, Sends, Close, ConfirmedClose, Abort, GetStats,
      SocketInternal {}

  /**
   * Deliver inbound data and connection events to {@code handler} ({@link Received}, {@link
   * PeerClosed}, {@link Closed}), and start reading. A later Register replaces the handler.
   *
   * <p>The socket watches its handler (Pekko IO's death pact): if the handler stops without
   * closing the socket, the socket closes itself as for {@link Close} (queued Sends are written,
   * then FIN; inbound bytes until the peer's end of stream are read and dropped), so a stopped
   * or failed handler does not leave an fd open with nobody to close it.
   *
   * <p>Push mode ({@code pull == false}): the socket reads whenever the kernel has data and sends
   * every chunk at once; the handler must keep up or use {@link SuspendReading}. Pull mode: the
   * handler answers each {@link Received} with a {@link ResumeReading}, and the socket reads ahead
   * of those answers by at most {@code pullWindow} chunks, so at most that many chunks wait in the
   * handler's mailbox and a slow handler pushes back on the peer through TCP flow control. With a
   * window of 1 (the default, Pekko IO's pull mode) the socket stops after each chunk until the
   * answer comes; a larger window lets it read the next chunks while the handler works on the
   * last (for large messages: two cores reading and decoding at once instead of taking turns).
   *
   * <p>{@code keepOpenOnPeerClosed} (Pekko IO's flag of the same name): the peer's end of stream
   * arrives as {@link PeerClosed} and the socket stays open for sending (a half-closed
   * connection) until the handler sends {@link Close}; false closes it gracefully at once. A handler
   * that answers what it receives (an echo, request and response) wants true and a Close when
   * PeerClosed arrives: in push mode the socket may read the end of stream while the last chunks
   * still wait in the handler's mailbox, and answers sent after the close began are refused.
   *
   * <p>{@code lent}: inbound data arrives as {@link ReceivedBuffer}, off-heap memory the socket
   * read into and lends to the handler, instead of {@link Received} with a copy on the heap.
   */
  public record Register(ActorRef<Event> handler, boolean pull, boolean keepOpenOnPeerClosed, boolean lent,
      int pullWindow) implements Command {
    public Register {
      Objects.requireNonNull(handler, "handler");
      if (pullWindow < 1) {
        throw new IllegalArgumentException("pullWindow must be >= 1 chunk, was " + pullWindow);
      }
    }

    /** Push mode, closing when the peer does. */
    public Register(ActorRef<Event> handler) {
      this(handler, false, false, false);
    }

    /** {@code pull} as given, closing when the peer does. */
    public Register(ActorRef<Event> handler, boolean pull) {
      this(handler, pull, false, false);
    }

    /** {@code pull} and {@code keepOpenOnPeerClosed} as given, heap copies. */
    public Register(ActorRef<Event> handler, boolean pull, boolean keepOpenOnPeerClosed) {
      this(handler, pull, keepOpenOnPeerClosed, false);
    }

    /** As given, a pull window of one chunk. */
    public Register(ActorRef<Event> handler, boolean pull, boolean keepOpenOnPeerClosed, boolean lent) {
      this(handler, pull, keepOpenOnPeerClosed, lent, 1);
    }

    /** Pull mode: one {@link Received} per {@link ResumeReading}. */
    public static Register pull(ActorRef<Event> handler) {
      return new Register(handler, true, false, false);
    }

    /** This registration, staying open after the peer's end of stream (half-close). */
    public Register withKeepOpenOnPeerClosed() {
      return new Register(handler, pull, true, lent, pullWindow);
    }

    /** This registration, with inbound data lent off-heap ({@link ReceivedBuffer}). */
    public Register withLentBuffers() {
      return new Register(handler, pull, keepOpenOnPeerClosed, true, pullWindow);
    }

    /**
     * This registration in pull mode, reading up to {@code chunks} ahead of the handler's {@link
     * ResumeReading}s. With lent buffers the receive pool ({@code receive-pool-chunks}) bounds it too.
     */
    public Register withPullWindow(int chunks) {
      return new Register(handler, true, keepOpenOnPeerClosed, lent, chunks);
    }
  }

  /** Stop reading from the socket (flow control): the kernel's receive buffer fills, then the peer's sends stall. */
  public enum SuspendReading implements Command { INSTANCE }

  /**
   * Read again after {@link SuspendReading}; in pull mode, the handler is done with one chunk
   * (the socket may read one more, see {@link Register}).
   */
  public enum ResumeReading implements Command { INSTANCE }

  /**
   * Send {@code buffers} as one contiguous piece of the stream (or one datagram), in order after
   * every earlier Send to this socket.
   *
   * <p>Reply to {@code replyTo}: exactly one {@link SendOutcome} for this Send, carrying its
   * buffers back: {@link Released}, {@link Failed} or {@link Refused}. After a Refused for room,
   * {@link WritingResumed} follows once there is room again.
   *
   * <p>Does not promise that the peer received or read the bytes: Released only means the kernel
   * no longer needs the buffers (as Pekko's Write ack "does not in any way guarantee that the
   * data will be or have been sent").
   *
   * @param correlationId the caller's number for this Send, echoed in its outcome
   */
  public record Send(List<NativeBuffer> buffers, long correlationId, ActorRef<SendReply> replyTo,
      boolean batchOutcomes) implements Command {
    public Send {
      Objects.requireNonNull(buffers, "buffers");
      Objects.requireNonNull(replyTo, "replyTo");
      buffers = List.copyOf(buffers);
    }

    /** A Send whose outcome comes alone. */
    public Send(List<NativeBuffer> buffers, long correlationId, ActorRef<SendReply> replyTo) {
      this(buffers, correlationId, replyTo, false);
    }

    public static Send of(NativeBuffer buffer, long correlationId, ActorRef<SendReply> replyTo) {
      return new Send(List.of(buffer), correlationId, replyTo);
    }

    /**
     * A Send whose outcome may travel in a {@link SendOutcomes} with the outcomes of other Sends to
     * the same {@code replyTo} that finished at the same time (one sendmsg, one batch of
     * completions). Still exactly one outcome per Send; one message instead of one per Send.
     */
    public static Send batched(List<NativeBuffer> buffers, long correlationId, ActorRef<SendReply> replyTo) {
      return new Send(buffers, correlationId, replyTo, true);
    }

    /** Total bytes. */
    public long size() {
      long n = 0;
      for (NativeBuffer b : buffers) {
        n += b.length();
      }
      return n;
    }
  }

  /**
   * Several {@link Send}s in one message: the socket takes each, in list order, exactly as if it
   * had been told alone at this point, so every one gets its own one outcome (and a refusal for
   * room part-way refuses the rest, then {@link WritingResumed} follows, as for single Sends).
   * Receiver: the socket actor; replies: those of each Send. Why: a caller that has many messages
   * at once (a blight client handed a batch of requests) pays one mailbox hop for all of them
   * instead of one each; with 48-byte messages that hop was most of the per-message cost (issue
   * 10). Does not promise that they leave in one sendmsg call (the socket gathers what is queued
   * up to its {@code gather-limit} and {@code gather-bytes}, as always).
   */
  public record Sends(List<Send> sends) implements Command {
    public Sends {
      sends = List.copyOf(sends);
    }
  }

  /**
   * Close gracefully: refuse new Sends, write everything queued, {@code shutdown(SHUT_WR)} (FIN),
   * read and deliver until the peer's end of stream, wait for every completion, then close the fd
   * (no RST: nothing is left unread) and stop. Queued Sends still get their outcomes. The handler,
   * and {@code replyTo} if not null, get {@link Closed} ("closed").
   *
   * <p>Bounded by {@code close-timeout}. When it passes: if every Send has had its outcome the fd
   * is closed without waiting longer for the peer ("closed (no end of stream from the peer
   * within close-timeout)"); otherwise the connection is reset and what is left fails ("closed
   * (reset after close-timeout)"). Unlike Pekko IO's Close, which closes at once after writing
   * and so resets a connection whose peer is still sending, this one waits for the peer.
   */
  public record Close(ActorRef<Event> replyTo) implements Command {}

  /**
   * Like {@link Close}, but the close counts only if the peer confirms it with its own end of
   * stream (Pekko IO's ConfirmedClose): Closed says "confirmed". When {@code close-timeout}
   * passes without it the connection is reset, every Send left fails, and Closed says
   * "failed: no end of stream from the peer within close-timeout".
   */
  public record ConfirmedClose(ActorRef<Event> replyTo) implements Command {}

  /**
   * Reset the connection now (TCP RST; AF_UNIX has none and just closes): what the kernel holds
   * for us is read first and delivered to the handler; unwritten Sends fail at once; written ones
   * fail once the kernel has let go of their buffers. The handler and {@code replyTo} get {@link
   * Closed} ("aborted").
   */
  public record Abort(ActorRef<Event> replyTo) implements Command {}

  /** Reply: this socket's {@link SocketStats}. */
  public record GetStats(ActorRef<SocketStats> replyTo) implements Command {}

  /** Socket messages that only zerowire sends (poller, reaper, timers). */
  non-sealed interface SocketInternal extends Command {}

  // ============================================================================= send replies

  /** What the replyTo of a {@link Send} receives. */
  public sealed interface SendReply extends Reply permits SendOutcome, SendOutcomes, WritingResumed {}

  /**
   * The outcomes of several {@link Send#batched} Sends to the same {@code replyTo}, in the order
   * the socket finished them; each Send's one outcome is in exactly one such list or comes alone
   * (a batch of one is never wrapped). Received only by the {@code replyTo} of batched Sends, from
   * the socket actor; nothing is expected back. It does not promise any batch size: one flush
   * loop's outcomes, or one drain of completions, are the most that travel together (a loop of
   * small Sends tells them as soon as 64 have gathered, so the sender can refill while the loop
   * writes on), and outcomes to other receivers (or of unbatched Sends) in between end a batch. Why: with small messages one outcome
   * per Send was one mailbox hop per message, a fifth of the per-message cost (issue 10); a batch is
   * one hop per sendmsg call.
   */
  public record SendOutcomes(List<SendOutcome> outcomes) implements SendReply {}

  /** The one outcome of a Send; its buffers are the sender's again (unless {@link Failed#withheld()}). */
  public sealed interface SendOutcome extends SendReply permits Released, Failed, Refused {
    long correlationId();

    List<NativeBuffer> buffers();
  }

  /**
   * Every byte was written and the kernel holds no reference to the buffers any more.
   *
   * @param copied the kernel copied at least part of the data (copy path, or a zero-copy send
   *     whose completion said COPIED); false means the bytes left without any copy
   */
  public record Released(long correlationId, List<NativeBuffer> buffers, boolean copied) implements SendOutcome {}

  /**
   * The Send did not complete: the connection failed, closed or was reset.
   *
   * @param reason one line: what happened, naming the socket and the errno where there is one
   * @param mayHaveReachedPeer some bytes were handed to the kernel before the failure
   * @param withheld the kernel never confirmed it had let go of the buffers (the socket was torn
   *     down before its completions arrived), so zerowire keeps them: they are listed here but
   *     will never be freed, and must not be written or released. Normally false.
   */
  public record Failed(long correlationId, List<NativeBuffer> buffers, String reason, boolean mayHaveReachedPeer,
      boolean withheld) implements SendOutcome {}

  /**
   * The Send was not accepted; nothing of it was written, and the buffers were never touched.
   *
   * @param kind why: no room (try again after {@link WritingResumed}), the socket is closing or
   *     closed, or the Send itself is invalid (empty: no bytes, which on UDP means zerowire does not
   *     send empty datagrams, though it receives them; a released buffer; too large to ever fit)
   * @param reason one line naming what was wrong
   */
  public record Refused(long correlationId, List<NativeBuffer> buffers, RefusalKind kind, String reason)
      implements SendOutcome {}

  /** Why a Send was refused. */
  public enum RefusalKind {
    /** The queue bound was reached; a {@link WritingResumed} will follow. */
    NO_ROOM,
    /** The socket is closing or closed. */
    CLOSED,
    /** The Send is invalid; it can never succeed as it is. */
    INVALID
  }

  /** After a {@link RefusalKind#NO_ROOM} refusal: the queue has room again. */
  public record WritingResumed(ActorRef<Command> socket) implements SendReply {}

  // =================================================================================== events

  /** What a socket's registered handler receives. */
  public sealed interface Event extends Reply permits Received, ReceivedBuffer, PeerClosed, Closed {}

  /** Bytes read from the socket (one datagram on UDP). The array is the handler's. */
  public record Received(ActorRef<Command> socket, byte[] data) implements Event {}

  /**
   * Bytes read from the socket into off-heap memory and lent to the handler (registered with
   * {@link Register#withLentBuffers()}): {@code buffer.length()} bytes, read by the kernel
   * straight into it, with no copy on the heap.
   *
   * <p>The handler must release it exactly once ({@link NativeBuffer#release()}), when done with
   * it, or forward it in a {@link Send} (to any socket) and release it when that Send's outcome
   * arrives: the memory then goes back to the socket's receive pool. The pool is bounded ({@code
   * receive-pool-chunks} of {@code read-buffer-size} bytes): while all of it is lent out, the
   * socket stops reading, so a handler that keeps buffers pushes back on the peer through flow
   * control instead of growing memory. A buffer released after its socket closed is freed.
   * Salvaged bytes (see the closing rules) may come in buffers of their own; they are released
   * the same way.
   *
   * <p>{@link #bytes()} copies to the heap and releases, for a handler that wants an array.
   */
  public record ReceivedBuffer(ActorRef<Command> socket, NativeBuffer buffer) implements Event {
    /** A heap copy of the bytes; releases the buffer. */
    public byte[] bytes() {
      byte[] b = new byte[buffer.length()];
      buffer.get(0, b, 0, b.length);
      buffer.release();
      return b;
    }
  }

  /**
   * The peer closed its side (end of stream); every byte before it was delivered. Unless the
   * handler registered with {@code keepOpenOnPeerClosed}, the socket now closes gracefully and
   * {@link Closed} follows; with it, the socket stays open for sending until {@link Close}.
   */
  public record PeerClosed(ActorRef<Command> socket) implements Event {}

  /**
   * The socket is closed, its fd is gone and every Send has had its outcome. The last event.
   *
   * <p>What it promises about Sends still on their way: Closed is sent after the outcome of every
   * Send the socket processed, and the socket's messages to one actor arrive in order. So a Send
   * whose outcome has not arrived when Closed does was never processed (it went to dead letters
   * like any message to a stopped actor): its buffers were never touched and are the sender's.
   *
   * <p>Every inbound byte the kernel gave the socket was delivered before this (see the rules
   * above).
   *
   * @param how "closed", "confirmed", "aborted", "peer closed", "stopped", or "failed: ..."
   *     with the error; a close that the close timeout cut short says so in brackets
   */
  public record Closed(ActorRef<Command> socket, String how, SocketStats stats) implements Event {}
}
