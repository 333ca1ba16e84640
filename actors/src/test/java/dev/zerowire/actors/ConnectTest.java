package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerowire.actors.SocketProtocol.CommandFailed;
import dev.zerowire.actors.SocketProtocol.ConnectReply;
import dev.zerowire.actors.SocketProtocol.Connected;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.NetworkNamespace;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connects that do not simply succeed: unreachable (ICMP host unreachable from a failed ARP),
 * blackholed (timeout), and an AF_UNIX listener whose backlog is full. The routes live in private
 * network namespaces the test makes and deletes; the sockets are made inside them and handed to a
 * socket actor that connects them, as the manager's Connect does.
 */
class ConnectTest {
  static final ActorTestKit kit = ActorTestKit.create("ConnectTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final ZeroWire zw = ZeroWire.get(kit.system());

  /** A socket actor for {@code socket} that connects to {@code remote}; replies go to the probe. */
  private void connect(NativeSocket socket, SocketAddress remote, SocketOptions options, TestProbe<ConnectReply> probe) {
    kit.spawn(SocketActor.create(socket, options, zw.runtime(), remote, new SocketActor.OpenListener() {
      @Override
      public void opened(Connected c) {
        probe.getRef().tell(c);
      }

      @Override
      public void failed(Throwable cause) {
        probe.getRef().tell(new CommandFailed(remote, cause));
      }
    }));
  }

  /**
   * A veth whose other end is down: ARP for the next hop fails and the kernel reports
   * EHOSTUNREACH to the connecting socket. The socket has SO_ZEROCOPY on (zero-copy mode), the
   * case where an error-queue read could have consumed the error: it must arrive, never a
   * "connected".
   */
  @Test
  void unreachableIsReportedWithItsErrno() throws Exception {
    String why = NetworkNamespace.unavailableReason();
    assumeTrue(why == null, "skipped: " + why);
    try (NetworkNamespace ns = NetworkNamespace.create("zwtest-unreach-" + ProcessHandle.current().pid())) {
      ns.ip("link", "add", "zw-a", "type", "veth", "peer", "name", "zw-b");
      ns.ip("addr", "add", "10.213.7.1/24", "dev", "zw-a");
      ns.ip("link", "set", "zw-a", "up"); // zw-b stays down: nothing answers ARP
      ns.exec("sysctl", "-q", "-w", "net.ipv4.neigh.zw-a.mcast_solicit=1", "net.ipv4.neigh.zw-a.retrans_time_ms=200");
      NativeSocket s = ns.inside(NativeSocket::tcp4);
      TestProbe<ConnectReply> probe = kit.createTestProbe();
      SocketAddress remote = new InetSocketAddress("10.213.7.2", 9);
      connect(s, remote, zw.defaultOptions().withMode(SendMode.ZEROCOPY), probe);
      ConnectReply r = probe.receiveMessage(Duration.ofSeconds(30));
      assertTrue(r instanceof CommandFailed, "an unreachable host is never 'connected': " + r);
      String msg = ((CommandFailed) r).cause().getMessage();
      assertTrue(msg.contains("EHOSTUNREACH") && msg.contains("10.213.7.2"), msg);
    }
  }

  /**
   * An ifb device drops what is sent to it without a word (ifb_xmit frees a packet no tc rule
   * redirected; the device needs no ARP), so the SYN is never answered: the connect fails at
   * connect-timeout.
   */
  @Test
  void aBlackholedAddressTimesOutAtTheConnectTimeout() throws Exception {
    String why = NetworkNamespace.unavailableReason();
    assumeTrue(why == null, "skipped: " + why);
    try (NetworkNamespace ns = NetworkNamespace.create("zwtest-blackhole-" + ProcessHandle.current().pid())) {
      ns.ip("link", "add", "zw-d", "type", "ifb");
      ns.ip("addr", "add", "10.213.8.1/24", "dev", "zw-d");
      ns.ip("link", "set", "zw-d", "up");
      NativeSocket s = ns.inside(NativeSocket::tcp4);
      TestProbe<ConnectReply> probe = kit.createTestProbe();
      SocketAddress remote = new InetSocketAddress("10.213.8.2", 9);
      connect(s, remote, zw.defaultOptions().withConnectTimeout(Duration.ofMillis(300)), probe);
      CommandFailed f = probe.expectMessageClass(CommandFailed.class, Duration.ofSeconds(20));
      String msg = f.cause().getMessage();
      assertTrue(msg.contains("connect-timeout") && msg.contains("ETIMEDOUT") && msg.contains("10.213.8.2"), msg);
    }
  }

  /**
   * Whoever asked for a connection stops while it waits (here for a full AF_UNIX backlog): the
   * socket abandons the connect and closes its fd, rather than connecting later with nobody to
   * take it (an fd and an actor kept for the life of the process).
   */
  @Test
  void aConnectWhoseRequesterStopsIsAbandoned(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("full.sock");
    try (NativeSocket listener = NativeSocket.unixStream(); NativeSocket first = NativeSocket.unixStream()) {
      listener.bind(UnixDomainSocketAddress.of(path));
      listener.listen(0); // one pending connection fills it
      assertTrue(first.connect(UnixDomainSocketAddress.of(path)));
      ActorRef<ConnectReply> requester = kit.spawn(Behaviors.<ConnectReply>ignore());
      zw.manager().tell(new SocketProtocol.Connect(UnixDomainSocketAddress.of(path), zw.defaultOptions(), requester));
      Thread.sleep(200); // the connect waits for room
      kit.stop(requester);
      Thread.sleep(1000); // its socket hears of it and abandons the connect (generous: a loaded machine)
      try (NativeSocket a = PlainPeer.acceptOne(listener)) {
        assertNotNull(a, "the connection that filled the backlog");
      }
      Thread.sleep(500); // room now: an abandoned connect does not come
      assertEquals(null, listener.accept(), "nobody asked for this connection any more");
    }
  }

  /**
   * An actor that connects a socket, sends on it without registering a handler, and stops
   * without closing it: the socket is its own until a handler registers, so once that actor is
   * gone (and close-timeout passed without a Register) the socket closes; the peer reads what was
   * sent, then the end of the stream. Before, the socket stayed open for the life of the process.
   */
  @Test
  void aSocketWhoseConnectingActorStopsBeforeAnyRegisterCloses() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      TestProbe<ConnectReply> replies = kit.createTestProbe();
      ActorRef<ConnectReply> owner = kit.spawn(Behaviors.<ConnectReply>receiveMessage(m -> {
        replies.getRef().tell(m);
        return Behaviors.same();
      }));
      InetSocketAddress target = new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
      zw.manager().tell(new SocketProtocol.Connect(target,
          zw.defaultOptions().withCloseTimeout(Duration.ofMillis(300), Duration.ofMillis(300)), owner));
      Connected c = replies.expectMessageClass(Connected.class, Duration.ofSeconds(10));
      try (java.net.Socket accepted = server.accept()) {
        accepted.setSoTimeout(30_000); // a bound on the wait, not a timing claim
        sendOneByte(c.socket(), (byte) 7);
        kit.stop(owner);
        InputStream in = accepted.getInputStream();
        assertEquals(7, in.read());
        assertEquals(-1, in.read(), "the socket closed once its owner was gone");
      }
    }
  }

  /**
   * A socket connected by an ask (the CLI's and the bench's way) has no owner to lose: the ask's
   * temporary actor stops with its answer, and the socket, sending without a handler, stays open
   * well past close-timeout.
   */
  @Test
  void aSocketConnectedByAnAskStaysOpenWithoutAHandler() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      InetSocketAddress target = new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
      SocketOptions options = zw.defaultOptions().withCloseTimeout(Duration.ofMillis(100), Duration.ofMillis(100));
      Connected c = (Connected) org.apache.pekko.actor.typed.javadsl.AskPattern.<SocketProtocol.ManagerCommand, ConnectReply>ask(
          zw.manager(), r -> new SocketProtocol.Connect(target, options, r), Duration.ofSeconds(10), kit.system().scheduler())
          .toCompletableFuture().get();
      try (java.net.Socket accepted = server.accept()) {
        accepted.setSoTimeout(30_000);
        Thread.sleep(1000); // ten close-timeouts: an owner's wait would have closed it
        sendOneByte(c.socket(), (byte) 9);
        assertEquals(9, accepted.getInputStream().read());
        c.socket().tell(new SocketProtocol.Close(null));
        assertEquals(-1, accepted.getInputStream().read());
      }
    }
  }

  /** Sends one byte and waits for its Released. */
  private void sendOneByte(ActorRef<SocketProtocol.Command> socket, byte value) {
    TestProbe<SocketProtocol.SendReply> out = kit.createTestProbe();
    dev.zerowire.nativeio.NativeBuffer b = dev.zerowire.nativeio.NativeBuffer.allocate(1);
    b.put(0, new byte[] {value}, 0, 1);
    socket.tell(SocketProtocol.Send.of(b, 1, out.getRef()));
    out.expectMessageClass(SocketProtocol.Released.class, Duration.ofSeconds(10));
    b.release();
  }

  /**
   * AF_UNIX with the backlog full: a non-blocking connect gets EAGAIN where a blocking one would
   * wait. zerowire waits: once the listener accepts the connection ahead, ours goes through.
   */
  @Test
  void aFullUnixBacklogIsWaitedOutThenConnects(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("full.sock");
    try (NativeSocket listener = NativeSocket.unixStream(); NativeSocket first = NativeSocket.unixStream()) {
      listener.bind(UnixDomainSocketAddress.of(path));
      listener.listen(0); // one pending connection fills it (unix_recvq_full: queue length > backlog)
      assertTrue(first.connect(UnixDomainSocketAddress.of(path)));
      NativeSocket.ConnectStatus probeStatus;
      try (NativeSocket second = NativeSocket.unixStream()) {
        probeStatus = second.startConnect(UnixDomainSocketAddress.of(path));
      }
      assertEquals(NativeSocket.ConnectStatus.BACKLOG_FULL, probeStatus, "the backlog is full (precondition)");

      TestProbe<ConnectReply> probe = kit.createTestProbe();
      zw.manager().tell(new SocketProtocol.Connect(UnixDomainSocketAddress.of(path), zw.defaultOptions(), probe.getRef()));
      probe.expectNoMessage(Duration.ofMillis(300)); // waiting, not failed
      try (NativeSocket a = PlainPeer.acceptOne(listener)) {
        assertNotNull(a, "the first connection");
      }
      Connected c = probe.expectMessageClass(Connected.class, Duration.ofSeconds(10));
      try (NativeSocket ours = PlainPeer.acceptOne(listener)) {
        assertNotNull(ours, "zerowire's connection reached the listener");
      }
      c.socket().tell(new SocketProtocol.Abort(null));
    }
  }

  /** The same full backlog that never drains: the connect fails at connect-timeout, naming EAGAIN. */
  @Test
  void aUnixBacklogThatStaysFullFailsAtTheConnectTimeout(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("stuck.sock");
    try (NativeSocket listener = NativeSocket.unixStream(); NativeSocket first = NativeSocket.unixStream()) {
      listener.bind(UnixDomainSocketAddress.of(path));
      listener.listen(0);
      assertTrue(first.connect(UnixDomainSocketAddress.of(path)));
      TestProbe<ConnectReply> probe = kit.createTestProbe();
      zw.manager().tell(new SocketProtocol.Connect(UnixDomainSocketAddress.of(path),
          zw.defaultOptions().withConnectTimeout(Duration.ofMillis(400)), probe.getRef()));
      CommandFailed f = probe.expectMessageClass(CommandFailed.class, Duration.ofSeconds(10));
      String msg = f.cause().getMessage();
      assertTrue(msg.contains("connect-timeout") && msg.contains("backlog stayed full") && msg.contains(path.toString()), msg);
    }
  }

  /** Connected means connected: the remote address is known and bytes flow. */
  @Test
  void aTcpConnectReportsThePeerAddress() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      TestProbe<ConnectReply> probe = kit.createTestProbe();
      InetSocketAddress target = new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
      zw.manager().tell(new SocketProtocol.Connect(target, zw.defaultOptions().withMode(SendMode.ZEROCOPY), probe.getRef()));
      Connected c = probe.expectMessageClass(Connected.class, Duration.ofSeconds(10));
      assertEquals(target, c.remote());
      try (java.net.Socket accepted = server.accept()) {
        ActorRef<SocketProtocol.Command> socket = c.socket();
        TestProbe<SocketProtocol.SendReply> out = kit.createTestProbe();
        dev.zerowire.nativeio.NativeBuffer b = dev.zerowire.nativeio.NativeBuffer.allocate(3);
        b.put(0, new byte[] {1, 2, 3}, 0, 3);
        socket.tell(SocketProtocol.Send.of(b, 1, out.getRef()));
        out.expectMessageClass(SocketProtocol.Released.class, Duration.ofSeconds(10));
        InputStream in = accepted.getInputStream();
        assertEquals(1, in.read());
        socket.tell(new SocketProtocol.Close(null));
        b.release();
      }
    }
  }
}
