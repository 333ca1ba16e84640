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
 */
public final class SocketProtocol {
  private SocketProtocol() {}

  // =============================================================================== opening

  /** Sent to the manager ({@link ZeroWire#manager()}). */
  public sealed interface ManagerCommand permits Connect, Bind, OpenUdp, Adopt, ManagerInternal {}

  /**
   * Connect a stream socket to {@code remote}: TCP over IPv4 or IPv6 ({@link
   * java.net.InetSocketAddress}), or AF_UNIX ({@link java.net.UnixDomainSocketAddress}).
   *
   * <p>Reply to {@code replyTo}: {@link Connected} with the new socket actor, or {@link
   * CommandFailed} (refused, unreachable, bad address) naming the address and the errno. Does not
   * promise any timeout of its own beyond the kernel's connect timeout.
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
   * {@link BindFailed}; then one {@link Accepted} per connection; and {@link Unbound} when the
   * listener stops. An AF_UNIX path is created with mode 0600 and removed at unbind.
   */
  public record Bind(SocketAddress local, SocketOptions options, int backlog, ActorRef<ListenerEvent> handler)
      implements ManagerCommand {
    public Bind {
      Objects.requireNonNull(local, "local");
      Objects.requireNonNull(options, "options");
      Objects.requireNonNull(handler, "handler");
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
  public sealed interface ConnectReply permits Connected, CommandFailed {}

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
  public sealed interface ListenerEvent permits Bound, BindFailed, Accepted, Unbound {}

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
      permits Register, SuspendReading, ResumeReading, Send, Close, Abort, GetStats, SocketInternal {}

  /**
   * Deliver inbound data and connection events to {@code handler} ({@link Received}, {@link
   * PeerClosed}, {@link Closed}), and start reading. A later Register replaces the handler.
   *
   * <p>Push mode ({@code pull == false}): the socket reads whenever the kernel has data and sends
   * every chunk at once; the handler must keep up or use {@link SuspendReading}. Pull mode: after
   * each {@link Received} the socket stops reading until the handler sends {@link ResumeReading},
   * so at most one chunk waits in the handler's mailbox and a slow handler pushes back on the
   * peer through TCP flow control (Pekko IO's pull mode).
   */
  public record Register(ActorRef<Event> handler, boolean pull) implements Command {
    public Register {
      Objects.requireNonNull(handler, "handler");
    }

    /** Push mode. */
    public Register(ActorRef<Event> handler) {
      this(handler, false);
    }

    /** Pull mode: one {@link Received} per {@link ResumeReading}. */
    public static Register pull(ActorRef<Event> handler) {
      return new Register(handler, true);
    }
  }

  /** Stop reading from the socket (flow control): the kernel's receive buffer fills, then the peer's sends stall. */
  public enum SuspendReading implements Command { INSTANCE }

  /** Read again after {@link SuspendReading}; in pull mode, deliver the next chunk. */
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
  public record Send(List<NativeBuffer> buffers, long correlationId, ActorRef<SendReply> replyTo)
      implements Command {
    public Send {
      Objects.requireNonNull(buffers, "buffers");
      Objects.requireNonNull(replyTo, "replyTo");
      buffers = List.copyOf(buffers);
    }

    public static Send of(NativeBuffer buffer, long correlationId, ActorRef<SendReply> replyTo) {
      return new Send(List.of(buffer), correlationId, replyTo);
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
   * Close gracefully: refuse new Sends, write everything queued, half-close (FIN), wait for every
   * completion up to the drain timeout, then close the fd and stop. Queued Sends still get their
   * outcomes. If the drain timeout passes, the connection is reset and what remains fails. The
   * handler, and {@code replyTo} if not null, get {@link Closed}.
   */
  public record Close(ActorRef<Event> replyTo) implements Command {}

  /**
   * Reset the connection now (TCP RST): unwritten Sends fail at once; written ones fail once the
   * kernel has let go of their buffers. The handler and {@code replyTo} get {@link Closed}.
   */
  public record Abort(ActorRef<Event> replyTo) implements Command {}

  /** Reply: this socket's {@link SocketStats}. */
  public record GetStats(ActorRef<SocketStats> replyTo) implements Command {}

  /** Socket messages that only zerowire sends (poller, reaper, timers). */
  non-sealed interface SocketInternal extends Command {}

  // ============================================================================= send replies

  /** What the replyTo of a {@link Send} receives. */
  public sealed interface SendReply permits SendOutcome, WritingResumed {}

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
   *     closed, or the Send itself is invalid (empty, a released buffer, too large to ever fit)
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
  public sealed interface Event permits Received, PeerClosed, Closed {}

  /** Bytes read from the socket (one datagram on UDP). The array is the handler's. */
  public record Received(ActorRef<Command> socket, byte[] data) implements Event {}

  /** The peer closed its side (EOF). The socket now closes gracefully; {@link Closed} follows. */
  public record PeerClosed(ActorRef<Command> socket) implements Event {}

  /**
   * The socket is closed, its fd is gone and every Send has had its outcome. The last event.
   *
   * <p>What it promises about Sends still on their way: Closed is sent after the outcome of every
   * Send the socket processed, and the socket's messages to one actor arrive in order. So a Send
   * whose outcome has not arrived when Closed does was never processed (it went to dead letters
   * like any message to a stopped actor): its buffers were never touched and are the sender's.
   *
   * @param how "closed", "aborted", "peer closed", or "failed: ..." with the error
   */
  public record Closed(ActorRef<Command> socket, String how, SocketStats stats) implements Event {}
}
