package dev.zerowire.blight;

import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketStats;
import dev.zerowire.nativeio.NativeBuffer;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The public message protocol of the blight connection actors: how other actors speak Oxide's
 * blight protocol through zerowire, as a client ({@link BlightClient}) or as a server
 * ({@link BlightServer}). The actors that serve it live in their own files; this file holds only
 * messages and their contracts (as {@link SocketProtocol} does for sockets).
 *
 * <h2>Who talks to whom</h2>
 *
 * <pre>
 *   your actor --Request, CloseClient, GetClientStats--> client      (BlightClient.connect / adopt)
 *   client     --Sent | SendFailed | Rejected----------> Request.replyTo  (exactly one per Request)
 *   client     --AckReceived | AckTimedOut | AckLost---> Request.replyTo  (exactly one per awaited, not Rejected, Request)
 *   client     --ClientConnected ... ClientClosed------> the client's events ref
 *
 *   server connection --HandlerRequest-----------------> handler        (one per message but Ack;
 *                                                          none for a server made without a handler:
 *                                                          its connections answer as the default one)
 *   handler           --AckWith | NoAck----------------> HandlerRequest.replyTo
 *   your actor --StopServer, GetServerSummary, AttachClient--> server   (BlightServer.create)
 *   server     --ServerBound ... ServerStopped---------> the server's events ref
 * </pre>
 *
 * <h2>Buffer ownership</h2>
 *
 * A {@link Request} hands its payload {@link NativeBuffer} to the client. From then until the one
 * {@link RequestOutcome} of that request arrives, the buffer belongs to zerowire and the kernel
 * (with MSG_ZEROCOPY the kernel reads it after the send call returned): do not write, reuse or
 * release it. The outcome carries the buffer back. The 12-byte header is the client's own memory
 * and never leaves it. The ack of a request is independent of its outcome: either may come first.
 *
 * <h2>Wire behaviour</h2>
 *
 * Header and payload leave in one gathered {@code sendmsg} (one {@link SocketProtocol.Send} of
 * two buffers), the payload zero-copy when the socket's mode and threshold say so. Inbound bytes
 * are decoded by a {@link BlightDecoder} per connection with the configured maximum message size
 * ({@link BlightSettings#maxMessageSize()}): a header claiming more is refused before anything
 * that size is allocated. Any protocol fault closes that one connection, with one error naming
 * the connection and the fault; other connections carry on.
 *
 * <h2>Bounds</h2>
 *
 * What a server holds is set by {@link BlightLimits}, never by what a peer claims or refuses to
 * read: payload memory comes from one {@link PayloadBudget} per server and grows only as bytes
 * arrive; a message must complete within the payload timeout; pending replies per connection are
 * bounded (reading stops at the bound, TCP pushes back); a client that leaves its replies unread
 * past the reply-stall timeout is aborted; connections and kept summaries are capped. A client
 * gives up after its stall timeout without progress, and every request still gets its outcome.
 */
public final class BlightProtocol {
  private BlightProtocol() {
  }

  /** {@link Request#ackid()} value that lets the client choose the ackid. */
  public static final long AUTO_ACKID = 0;

  // ============================================================================ client side

  /** Sent to a client connection actor ({@link BlightClient}). */
  public sealed interface ClientCommand permits Request, Requests, CloseClient, AbortClient, GetClientStats,
      ClientInternal {
  }

  /** Client messages that only the client sends itself (socket replies, timers). */
  non-sealed interface ClientInternal extends ClientCommand {
  }

  /**
   * Send one blight message: a header ({@code type}, ackid, payload length) and the payload.
   *
   * <p>Receiver: the client. Replies to {@code replyTo}:
   * <ul>
   *   <li>exactly one {@link RequestOutcome}: {@link Sent} (the payload is the caller's again),
   *       {@link SendFailed} (the connection failed or closed; the payload is the caller's again
   *       unless {@linkplain SendFailed#withheld() withheld}), or {@link Rejected} (invalid, or
   *       the client is closing: nothing was written);</li>
   *   <li>when {@code awaitAck}, and the outcome is not {@link Rejected}: exactly one
   *       {@link AckReply}: {@link AckReceived} with the server's ack data, {@link AckTimedOut}
   *       after {@code ackTimeout}, or {@link AckLost} when the connection ended (or the message
   *       provably never left) before the ack came.</li>
   * </ul>
   *
   * <p>Requests leave in the order the client receives them. The client queues requests while
   * connecting and while more than the socket's queue bound is outstanding, so a caller never
   * sees a socket's no-room refusal; its own queue is bounded by
   * {@link BlightLimits#maxQueuedRequests()} (requests without outcome, and awaited acks; one more
   * is {@link Rejected}, naming the bound), so callers pace themselves by outcomes and acks (keep
   * a window of buffers).
   *
   * <p>Does not promise that the server read, accepted or acted on the message: {@link Sent}
   * means only that the kernel no longer needs the payload. An ack is the server's word. Does not
   * promise anything for a request that reaches the client after it stopped (after
   * {@link ClientClosed}): like any message to a stopped actor it goes to dead letters, untouched,
   * so a caller that may race the close watches the client and takes such payloads back on
   * {@code Terminated}. The client itself stops only after every request it took has had its
   * outcome. Stopped from outside instead (a parent's stop, a failure), it rejects at once what
   * never reached its socket and loses its awaited acks; the requests its socket had taken get
   * their outcomes as the socket closes, from a successor actor that took over the client's
   * in-flight table (not from the client: its ref is gone). At actor system shutdown they may
   * still get none: the successor stops with the system.
   *
   * @param type          the message type; never {@link BlightType#INVALID}
   * @param ackid         the ackid to put in the header, 1..2^32-1, or {@link #AUTO_ACKID} to let the
   *                      client assign the next free one (from 1, skipping ackids awaiting acks)
   * @param payload       the payload, or {@code null} for none; required (non-empty) for the types
   *                      that {@linkplain BlightType#needsPayload() need one}
   * @param awaitAck      whether to deliver the server's ack (libblight waits for Ping, Info,
   *                      Delete, List and Wait: {@link BlightType#libblightWaitsForAck()})
   * @param ackTimeout    how long to wait for the ack from acceptance, or {@code null} for
   *                      {@link BlightSettings#ackTimeout()}
   * @param correlationId the caller's number, echoed in every reply
   * @param replyTo       where the replies go
   */
  public record Request(BlightType type, long ackid, NativeBuffer payload, boolean awaitAck, Duration ackTimeout,
              long correlationId, ActorRef<ClientReply> replyTo) implements ClientCommand {
    public Request {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(replyTo, "replyTo");
      if (ackid < 0 || ackid > BlightWire.MAX_UINT32) {
        throw new IllegalArgumentException("ackid " + ackid + " does not fit an unsigned 32-bit field");
      }
      if (ackTimeout != null && (ackTimeout.isNegative() || ackTimeout.isZero())) {
        throw new IllegalArgumentException("ack timeout must be positive, was " + ackTimeout);
      }
    }

    /** A request with a client-assigned ackid that awaits the ack exactly when libblight would. */
    public static Request of(BlightType type, NativeBuffer payload, long correlationId,
                 ActorRef<ClientReply> replyTo) {
      return new Request(type, AUTO_ACKID, payload, type.libblightWaitsForAck(), null, correlationId, replyTo);
    }

    /** This request with the caller's ackid. */
    public Request withAckid(long id) {
      return new Request(type, id, payload, awaitAck, ackTimeout, correlationId, replyTo);
    }

    /** This request, awaiting the ack or not. */
    public Request awaitingAck(boolean await) {
      return new Request(type, ackid, payload, await, ackTimeout, correlationId, replyTo);
    }

    /** This request with its own ack timeout. */
    public Request withAckTimeout(Duration timeout) {
      return new Request(type, ackid, payload, awaitAck, timeout, correlationId, replyTo);
    }

    /** Payload bytes (0 without a payload). */
    public int payloadLength() {
      return payload == null ? 0 : payload.length();
    }
  }

  /**
   * Several {@link Request}s in one message. Receiver: the client, which takes each, in list
   * order, exactly as if it had been told alone at this point: the same checks, the same ackids,
   * the same wire order, and exactly the replies a lone {@link Request} gets. One difference: the
   * {@link RequestOutcome}s of these requests may travel together in a {@link RequestOutcomes}
   * (consecutive outcomes to the same {@code replyTo}, finished at once), so a caller that sends
   * batches must take both. Ack replies always come one by one.
   *
   * <p>Why: a caller with many messages at once (a stream of small Repaints) pays one mailbox hop
   * to the client, one to the socket and one back per batch instead of per message; with 48-byte
   * messages those hops were most of the per-message cost (issue 10). Does not promise that the
   * requests leave in one sendmsg call, nor any size of the outcome batches.
   */
  public record Requests(List<Request> requests) implements ClientCommand {
    public Requests {
      requests = List.copyOf(requests);
    }
  }

  /**
   * Close the connection gracefully. Receiver: the client. New requests are {@link Rejected}
   * from now on; requests already accepted are still sent, awaited acks are still waited for (up
   * to their timeouts); then the socket closes (FIN, completions drained) and the client stops.
   * Reply: {@link ClientClosed} to {@code replyTo} (if not null) and to the events ref. Does not
   * wait for acks nobody awaits.
   */
  public record CloseClient(ActorRef<ClientEvent> replyTo) implements ClientCommand {
  }

  /**
   * Give up now (a program told to stop, a caller's deadline). Receiver: the client. It resets the
   * connection (Abort): requests not yet written end {@link SendFailed}, written ones once the
   * kernel has let go of them, awaited acks {@link AckLost}, new requests are {@link Rejected}.
   * Reply: {@link ClientClosed} (how: "aborted: " and {@code reason}) to {@code replyTo} (if not
   * null) and to the events ref. Does not promise that the server saw any of the requests.
   */
  public record AbortClient(String reason, ActorRef<ClientEvent> replyTo) implements ClientCommand {
    public AbortClient {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Receiver: the client. Reply: its {@link ClientStats}, with fresh socket counters while the
   * socket is open. Never fails; after the socket closed, the socket counters are the final ones.
   */
  public record GetClientStats(ActorRef<ClientStats> replyTo) implements ClientCommand {
  }

  /** What a {@link Request}'s replyTo receives. */
  public sealed interface ClientReply permits RequestOutcome, RequestOutcomes, AckReply {
  }

  /** The one outcome of a {@link Request}: what became of its payload. */
  public sealed interface RequestOutcome extends ClientReply permits Sent, SendFailed, Rejected {
    long correlationId();

    /** The ackid the message carried (the assigned one for {@link #AUTO_ACKID}; 0 if never assigned). */
    long ackid();

    /** The request's payload, the caller's again (null if it had none). */
    NativeBuffer payload();
  }

  /**
   * The outcomes of several requests that came in {@link Requests}, to the same {@code replyTo},
   * in the order the client finished them (for sent messages: the wire order). Each request's one
   * outcome is in exactly one such list or comes alone (a batch of one is never wrapped). Sender:
   * the client; nothing is expected back. Does not promise any batch size: one batch of the
   * socket's outcomes is the most that travels together, and a request rejected on arrival (invalid,
   * or the client closing) gets its {@link Rejected} alone.
   */
  public record RequestOutcomes(List<RequestOutcome> outcomes) implements ClientReply {
  }

  /**
   * Every byte of the message was written and the kernel holds no reference to the payload.
   *
   * @param copied the kernel copied at least part of the message (copy path, or a zero-copy
   *               completion that said COPIED); false means the payload left without any copy
   */
  public record Sent(long correlationId, long ackid, NativeBuffer payload, boolean copied)
      implements RequestOutcome {
  }

  /**
   * The message did not (entirely) leave: the connection failed, was closed or reset.
   *
   * @param reason             one line naming the connection and what happened
   * @param mayHaveReachedPeer part of the message was handed to the kernel before the failure
   * @param withheld           the kernel never confirmed it let go of the payload: zerowire keeps
   *                           it, and it must be neither written nor released. Normally false.
   */
  public record SendFailed(long correlationId, long ackid, NativeBuffer payload, String reason,
               boolean mayHaveReachedPeer, boolean withheld) implements RequestOutcome {
  }

  /**
   * The request was not accepted, or the socket refused it: nothing of it was written and the
   * payload was never touched. No {@link AckReply} follows.
   *
   * @param reason one line naming the connection and what was wrong
   */
  public record Rejected(long correlationId, long ackid, NativeBuffer payload, String reason)
      implements RequestOutcome {
  }

  /** The fate of an awaited ack. */
  public sealed interface AckReply extends ClientReply permits AckReceived, AckTimedOut, AckLost {
    long correlationId();

    /** The ackid the message carried. */
    long ackid();
  }

  /**
   * The server acked the message.
   *
   * @param data      the ack's data (empty for most types; a {@link SurfaceInfo} for Info, uint16
   *                  surface ids for List); the array is the receiver's
   * @param roundTrip from acceptance of the request to the ack's arrival
   */
  public record AckReceived(long correlationId, long ackid, byte[] data, Duration roundTrip) implements AckReply {
    @Override
    public String toString() {
      return "AckReceived[correlationId=" + correlationId + ", ackid=" + ackid + ", data=" + data.length
          + " bytes, roundTrip=" + roundTrip + "]";
    }
  }

  /**
   * No ack within the timeout. The connection stays open; an ack that comes later is counted
   * ({@link ClientStats#lateAcks()}) and not delivered.
   */
  public record AckTimedOut(long correlationId, long ackid, Duration after) implements AckReply {
  }

  /** The ack can no longer come: the connection ended, or the message failed before any byte left. */
  public record AckLost(long correlationId, long ackid, String reason) implements AckReply {
  }

  /** What a client's events ref receives. */
  public sealed interface ClientEvent permits ClientConnected, ClientConnectFailed, ClientFault, ClientClosed {
  }

  /** The client's socket is open; requests flow. {@code zeroCopy}: SO_ZEROCOPY is on (false on AF_UNIX). */
  public record ClientConnected(ActorRef<ClientCommand> client, String name, SocketAddress local,
                  SocketAddress remote, boolean zeroCopy) implements ClientEvent {
  }

  /** Connecting failed; every queued request was {@link Rejected} and the client stopped. */
  public record ClientConnectFailed(ActorRef<ClientCommand> client, String name, String reason)
      implements ClientEvent {
  }

  /**
   * The server broke the protocol (unknown type, bad size, oversize header, a stream cut
   * mid-message). The client stops reading and closes the connection; awaited acks become
   * {@link AckLost}; {@link ClientClosed} follows.
   *
   * @param message one line naming the connection and the fault
   */
  public record ClientFault(ActorRef<ClientCommand> client, String name, BlightProtocolException.Fault fault,
                String message) implements ClientEvent {
  }

  /**
   * The connection is closed and the client stopped; every request has had its outcome and every
   * awaited ack its reply. The last event.
   *
   * @param how "closed", "peer closed", "protocol fault: ...", or the socket's failure
   */
  public record ClientClosed(ActorRef<ClientCommand> client, String name, String how, ClientStats stats)
      implements ClientEvent {
  }

  /**
   * Counters of one client connection.
   *
   * @param requests           requests accepted (not rejected up front)
   * @param payloadBytes       payload bytes of accepted requests
   * @param sent               requests whose outcome was {@link Sent}
   * @param sendFailed         requests whose outcome was {@link SendFailed}
   * @param rejected           requests whose outcome was {@link Rejected}
   * @param acksReceived       Ack messages received from the server, awaited or not
   * @param acksDelivered      acks delivered as {@link AckReceived}
   * @param ackTimeouts        {@link AckTimedOut} replies
   * @param acksLost           {@link AckLost} replies
   * @param lateAcks           acks that arrived after their request timed out
   * @param pingsAnswered      server Pings answered with an Ack of the same ackid
   * @param unexpectedMessages messages from the server that were neither Ack nor Ping (ignored)
   * @param socket             the socket's counters ({@link SocketStats#ZERO} before it opened)
   */
  public record ClientStats(long requests, long payloadBytes, long sent, long sendFailed, long rejected,
                long acksReceived, long acksDelivered, long ackTimeouts, long acksLost, long lateAcks,
                long pingsAnswered, long unexpectedMessages, SocketStats socket) {
  }

  // ============================================================================ server side

  /** Sent to a server ({@link BlightServer}). */
  public sealed interface ServerCommand permits StopServer, GetServerSummary, AttachClient, ServerInternal {
  }

  /** Server messages that only the server and its connections send. */
  non-sealed interface ServerInternal extends ServerCommand {
  }

  /**
   * Stop serving. Receiver: the server. It unbinds every listener (removing AF_UNIX paths),
   * closes every connection gracefully (acks the handler has already answered are still sent),
   * waits for them, then replies {@link ServerStopped} to {@code replyTo} (if not null) and to
   * the events ref, and stops. Does not wait for clients to finish what they are sending.
   */
  public record StopServer(ActorRef<ServerStopped> replyTo) implements ServerCommand {
  }

  /** Receiver: the server. Reply: the {@link ServerSummary} of the connections finished so far. */
  public record GetServerSummary(ActorRef<ServerSummary> replyTo) implements ServerCommand {
  }

  /**
   * Serve a connection that is already open, e.g. one end of a socketpair (how Oxide's display
   * server hands clients their socket). The server registers itself as the socket's handler; from
   * now on the server owns the socket. Reply: a {@link ClientAccepted} event, as for a listener's
   * connection. Open or adopt the socket with {@link BlightSettings#resolveServerSocketOptions} to
   * have it read as the server's own connections do.
   *
   * @param remote what to call the peer in names and errors (may be null)
   */
  public record AttachClient(ActorRef<SocketProtocol.Command> socket, SocketAddress remote, boolean zeroCopy)
      implements ServerCommand {
    public AttachClient {
      Objects.requireNonNull(socket, "socket");
    }
  }

  /** What a server's events ref receives. */
  public sealed interface ServerEvent permits ServerBound, ServerBindFailed, ClientAccepted, ConnectionFault,
      ClientUnresponsive, ClientFinished, ServerStopped {
  }

  /** Every listen address is bound; {@code addresses} are the actual ones (port 0 resolved). */
  public record ServerBound(ActorRef<ServerCommand> server, List<SocketAddress> addresses) implements ServerEvent {
  }

  /**
   * A listen address could not be bound (in use, path exists, ...). The server unbinds the
   * others and stops; {@link ServerStopped} follows.
   */
  public record ServerBindFailed(SocketAddress address, String reason) implements ServerEvent {
  }

  /** A client connected and has its connection actor ({@code connection} is its name in errors). */
  public record ClientAccepted(int connectionId, String connection, SocketAddress remote, boolean zeroCopy)
      implements ServerEvent {
  }

  /**
   * A client broke the protocol (unknown type, a size that breaks the rules, an oversize header,
   * a stream cut mid-message, garbage). That connection stops reading, sends the acks its handler
   * already answered, and closes; every other connection carries on. {@link ClientFinished}
   * follows for it.
   *
   * @param message one line naming the connection and the fault
   */
  public record ConnectionFault(int connectionId, String connection, BlightProtocolException.Fault fault,
                  String message) implements ServerEvent {
  }

  /**
   * A client has not answered the server's Pings for two ping intervals (as Oxide's display
   * server warns "failed to respond to ping in time"). Reported once per silence; the connection
   * stays open.
   *
   * @param lastPingAckid the newest Ping sent
   * @param silentFor     time since the last answer (or since the connection opened)
   */
  public record ClientUnresponsive(int connectionId, String connection, long lastPingAckid, Duration silentFor)
      implements ServerEvent {
  }

  /** A connection ended; its counters. */
  public record ClientFinished(ConnectionSummary summary) implements ServerEvent {
  }

  /** The server stopped; counters over every connection it served. The last event. */
  public record ServerStopped(ServerSummary summary) implements ServerEvent {
  }

  /**
   * One message from a client, for the server's handler. Receiver: the handler actor given to
   * {@link BlightServer#create}. Reply to {@code replyTo}: {@link AckWith} (the ack to send) or
   * {@link NoAck}. Sent for every message but Ack (the connection itself matches Acks to its
   * Pings). The connection does not time out handlers; it waits for outstanding replies only a
   * short grace when it closes, and drops replies that come after its socket closed.
   *
   * <p>Each request's payload counts against the server's payload budget ({@link
   * BlightLimits#payloadBudget()}) until its reply comes (or the connection ends): a handler slower
   * than its clients stops their connections from being read at the budget. So a handler must not
   * wait for more payload than the budget holds before it answers.
   */
  public record HandlerRequest(int connectionId, String connection, BlightFrame frame,
                 ActorRef<HandlerReply> replyTo) {
  }

  /** A handler's answer to a {@link HandlerRequest}. */
  public sealed interface HandlerReply permits AckWith, NoAck {
    long ackid();
  }

  /**
   * Send an Ack with this ackid carrying {@code data} (may be empty): header (type Ack, same
   * ackid, size = data length) and data, through the socket like any send.
   */
  public record AckWith(long ackid, byte[] data) implements HandlerReply {
    public AckWith {
      Objects.requireNonNull(data, "data");
    }

    /** An ack without data. */
    public static AckWith empty(long ackid) {
      return new AckWith(ackid, new byte[0]);
    }
  }

  /** Send no ack for this message. */
  public record NoAck(long ackid) implements HandlerReply {
  }

  /**
   * Counters of one server-side connection.
   *
   * @param messages      messages decoded from the client, every type (Acks to Pings included)
   * @param bytes         payload bytes of those messages
   * @param checksum      FNV-1a 64 over every payload byte in message order, 16 lowercase hex digits
   * @param types         messages per type, by {@linkplain BlightType#cliName() command-line name}
   * @param acksSent      acks written and released by the kernel
   * @param acksDropped   handler answers that could not be sent (the socket had closed)
   * @param pingsSent     Pings written to the client (released by the kernel)
   * @param pingAcks      Acks matching one of those Pings
   * @param unexpectedAcks Acks that matched no Ping (ignored, as Oxide does)
   * @param errors        protocol faults and other errors, one line each, naming the connection
   * @param how           how the socket closed
   * @param socket        the socket's final counters
   * @param peakPendingReplies the most replies pending at once (at most
   *                      {@link BlightLimits#maxPendingReplies()} plus one Ping of the server's own)
   * @param holdBacks     times reading stopped because pending replies reached the bound
   */
  public record ConnectionSummary(int id, String connection, SocketAddress remote, long messages, long bytes,
                  String checksum, Map<String, Long> types, long acksSent, long acksDropped,
                  long pingsSent, long pingAcks, long unexpectedAcks, List<String> errors,
                  String how, SocketStats socket, int peakPendingReplies, long holdBacks) {
    public ConnectionSummary {
      types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
      errors = List.copyOf(errors);
    }

    /** The checksum as its 64-bit value. */
    public long checksumValue() {
      return Long.parseUnsignedLong(checksum, 16);
    }
  }

  /**
   * Counters over the connections a server has finished.
   *
   * <p>Totals ({@code connections} ... {@code errorCount}) cover every finished connection; the
   * server keeps only the newest {@link BlightLimits#history()} summaries ({@code perConnection},
   * in connection order) and the newest {@code history} error lines, so a server that has served
   * a storm of connections holds a bounded amount (issue 9, break 3).
   *
   * <p>{@code checksum}: with one kept connection, that connection's checksum (FNV-1a 64 over its
   * payload bytes in message order); with none, the hash of no bytes; with several, FNV-1a 64 over
   * the kept connections' checksums, each as 8 bytes in wire order, in connection order (their
   * payload streams interleave in time, so no single byte order exists). It covers every
   * connection as long as no more than {@code history} have finished.
   *
   * @param messages       every message decoded, Acks and Pings included
   * @param requests       messages that are requests: every type but Ack (the client's answers
   *                       to the server's Pings) and Ping (the client's own liveness checks)
   * @param requestTypes   requests by command-line type name
   * @param refused        connections closed on arrival because max-connections were open
   * @param errorCount     error lines over every connection (the kept ones are in {@code errors})
   */
  public record ServerSummary(int connections, long messages, long bytes, String checksum, Map<String, Long> types,
                long requests, Map<String, Long> requestTypes, long acksSent, long pingsSent, long pingAcks,
                long refused, long errorCount, List<String> errors, List<ConnectionSummary> perConnection) {
    public ServerSummary {
      types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
      requestTypes = Collections.unmodifiableMap(new LinkedHashMap<>(requestTypes));
      errors = List.copyOf(errors);
      perConnection = List.copyOf(perConnection);
    }

    /** The summary of {@code finished} (all kept) plus server-level {@code extraErrors}. */
    public static ServerSummary of(List<ConnectionSummary> finished, List<String> extraErrors) {
      ServerTotals t = new ServerTotals(Integer.MAX_VALUE);
      extraErrors.forEach(t::addServerError);
      finished.stream().sorted(Comparator.comparingInt(ConnectionSummary::id)).forEach(t::add);
      return t.summary();
    }
  }

  /** Non-zero counts by command-line type name, in wire-code order. */
  static Map<String, Long> typeCounts(long[] perCode) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (BlightType t : BlightType.values()) {
      if (perCode[t.code()] != 0) {
        m.put(t.cliName(), perCode[t.code()]);
      }
    }
    return m;
  }
}
