package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.SocketProtocol.Accepted;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.ListenerEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The listener at its limits: max-connections, and a process out of file descriptors (EMFILE),
 * from which it must recover by itself and serve every connection still in the backlog.
 */
class AcceptTest {
  static final ActorTestKit kit = ActorTestKit.create("AcceptTest");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** At max-connections new connections wait in the backlog; each close lets one more in. */
  @Test
  void maxConnectionsHoldsTheRestInTheBacklog() throws Exception {
    ZeroWire zw = ZeroWire.get(kit.system());
    TestProbe<ListenerEvent> handler = kit.createTestProbe();
    zw.manager().tell(new SocketProtocol.Bind(new InetSocketAddress("127.0.0.1", 0), zw.defaultOptions(), 16,
        handler.getRef(), 2));
    Bound bound = handler.expectMessageClass(Bound.class, Duration.ofSeconds(10));
    List<SocketChannel> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        clients.add(SocketChannel.open(bound.local())); // the kernel completes the handshake either way
      }
      Accepted first = handler.expectMessageClass(Accepted.class, Duration.ofSeconds(10));
      handler.expectMessageClass(Accepted.class, Duration.ofSeconds(10));
      handler.expectNoMessage(Duration.ofMillis(300)); // two open: the others wait
      first.socket().tell(new SocketProtocol.Abort(null));
      handler.expectMessageClass(Accepted.class, Duration.ofSeconds(10));
      handler.expectNoMessage(Duration.ofMillis(300));
    } finally {
      for (SocketChannel c : clients) {
        c.close();
      }
      bound.listener().tell(SocketProtocol.Unbind.INSTANCE);
    }
  }

  /**
   * The bind handler stops: its listener unbinds (new connects are refused), and a connection it
   * was told of but never registered a handler for closes itself (the client reads an end of
   * stream), instead of keeping an fd nobody reads or closes for the life of the process.
   */
  @Test
  void whenTheBindHandlerStopsTheListenerUnbindsAndItsUnclaimedConnectionsClose() throws Exception {
    ZeroWire zw = ZeroWire.get(kit.system());
    TestProbe<ListenerEvent> events = kit.createTestProbe();
    ActorRef<ListenerEvent> handler = kit.spawn(
        Behaviors.<ListenerEvent>receive((ctx, ev) -> {
          events.getRef().tell(ev); // told of each connection, registers for none
          return Behaviors.same();
        }));
    zw.manager().tell(new SocketProtocol.Bind(new InetSocketAddress("127.0.0.1", 0), zw.defaultOptions(), 16,
        handler));
    Bound bound = events.expectMessageClass(Bound.class, Duration.ofSeconds(10));
    try (SocketChannel client = SocketChannel.open(bound.local())) {
      events.expectMessageClass(Accepted.class, Duration.ofSeconds(10));
      kit.stop(handler);
      client.configureBlocking(false);
      ByteBuffer b = ByteBuffer.allocate(64);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      int n;
      while ((n = client.read(b.clear())) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(-1, n, "the unclaimed connection ends its stream");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    boolean refused = false;
    while (!refused && System.nanoTime() < deadline) {
      try (SocketChannel late = SocketChannel.open(bound.local())) {
        Thread.sleep(20); // still listening: not yet unbound
      } catch (ConnectException e) {
        refused = true;
      }
    }
    assertTrue(refused, "the listener unbound when its handler stopped");
  }

  /**
   * A child JVM with RLIMIT_NOFILE 64 gets 100 connections: it serves what its fds allow, then
   * accept(2) fails with EMFILE. While starved it must not spin (CPU time stays low) and logs
   * once; as the served connections close it accepts the rest from the backlog, unprompted by
   * epoll (edge-triggered: no new event comes for connections already queued).
   */
  @Test
  void aListenerOutOfFdsRecoversAndServesEveryConnection() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n 64 && exec \"$@\"", "bash",
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--enable-native-access") || a.startsWith("--add-opens") || a.startsWith("--sun-misc")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-Xmx128m", "-cp", System.getProperty("java.class.path"), EmfileServer.class.getName()));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread.ofPlatform().daemon().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
          output.add(line);
        }
      } catch (Exception e) {
        // the child is gone
      }
    });
    List<SocketChannel> clients = new ArrayList<>();
    try (Selector selector = Selector.open()) {
      int port = awaitPort(lines, output);
      int n = 100;
      for (int i = 0; i < n; i++) {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        c.write(ByteBuffer.wrap(new byte[] {(byte) i}));
        c.configureBlocking(false);
        c.register(selector, SelectionKey.OP_READ);
        clients.add(c);
      }
      // Phase 1: serve what the fds allow, keeping every served connection open.
      List<SocketChannel> served = new ArrayList<>();
      long quietSince = System.nanoTime();
      long start = System.nanoTime();
      while (System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos()
          && System.nanoTime() - start < Duration.ofSeconds(30).toNanos()) {
        if (collectReplies(selector, served, false) > 0) {
          quietSince = System.nanoTime();
        }
      }
      int servedWhileStarved = served.size();
      assertTrue(servedWhileStarved > 0 && servedWhileStarved < n,
          "precondition: the child ran out of fds after some connections; served " + servedWhileStarved + "; output " + output);
      assertEquals(1, count(output, "out of resources"), "one log line for the whole episode: " + output);

      // Starved with connections waiting: no busy loop.
      double cpuBefore = cpuSeconds(child.pid());
      Thread.sleep(2000);
      double cpu = cpuSeconds(child.pid()) - cpuBefore;
      assertTrue(cpu < 1.0, "the starved listener used " + cpu + " s of CPU in 2 s: it spins");
      assertEquals(servedWhileStarved, served.size() + collectReplies(selector, served, false), "still starved");

      // Phase 2: close what was served; the listener must accept the rest by itself.
      for (SocketChannel c : served) {
        c.close();
      }
      List<SocketChannel> servedLater = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (servedWhileStarved + servedLater.size() < n && System.nanoTime() < deadline) {
        collectReplies(selector, servedLater, true);
      }
      assertEquals(n, servedWhileStarved + servedLater.size(), "every connection was served once fds were free; output "
          + output);
    } finally {
      for (SocketChannel c : clients) {
        c.close();
      }
      child.destroy();
      child.waitFor(10, TimeUnit.SECONDS);
      child.destroyForcibly();
    }
  }

  /** Waits up to 100 ms for replies; each replied connection is added to {@code served} (and closed if asked). */
  private static int collectReplies(Selector selector, List<SocketChannel> served, boolean closeServed) throws Exception {
    int got = 0;
    if (selector.select(100) > 0) {
      for (SelectionKey k : selector.selectedKeys()) {
        SocketChannel c = (SocketChannel) k.channel();
        int r = c.read(ByteBuffer.allocate(16));
        if (r > 0) {
          got++;
          served.add(c);
          k.cancel();
          if (closeServed) {
            c.close();
          }
        }
      }
      selector.selectedKeys().clear();
    }
    return got;
  }

  private static int awaitPort(LinkedBlockingQueue<String> lines, List<String> output) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith("PORT ")) {
        return Integer.parseInt(line.substring(5).trim());
      }
    }
    throw new AssertionError("the child never listened; output " + output);
  }

  private static long count(List<String> output, String needle) {
    synchronized (output) {
      return output.stream().filter(l -> l.contains(needle)).count();
    }
  }

  /** utime + stime of a process, in seconds (proc(5): fields 14 and 15, in clock ticks of 1/100 s). */
  private static double cpuSeconds(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }
}
