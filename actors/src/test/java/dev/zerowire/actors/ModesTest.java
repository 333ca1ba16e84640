package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.SocketProtocol.Released;
import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.nativeio.NativeBuffer;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Send modes over loopback TCP, where the kernel copies zero-copy sends after all (COPIED). */
class ModesTest {
  /** Loopback always comes back COPIED: ideal to watch adaptive learn it, if it is not told first. */
  static final ActorTestKit kit = ActorTestKit.create("ModesTest",
      com.typesafe.config.ConfigFactory.parseString("zerowire.socket.adaptive.assume-local-copies = off")
          .withFallback(com.typesafe.config.ConfigFactory.load()));

  static final ActorTestKit defaultKit = ActorTestKit.create("ModesTestDefaults");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
    defaultKit.shutdownTestKit();
  }

  private SocketStats stream(SocketOptions opts, int n, int size) throws Exception {
    return stream(kit, opts, n, size);
  }

  private static SocketStats stream(ActorTestKit kit, SocketOptions opts, int n, int size) throws Exception {
    NativeBuffer all = NativeBuffer.allocate(n * size);
    try (Peer peer = Peer.Transport.TCP4.open(kit, opts).startReading(SocketContract::streamByte, 1 << 18, 0)) {
      SocketContract.fillStream(all, n * size, 0);
      TestProbe<SendReply> probe = kit.createTestProbe();
      for (int k = 0; k < n; k++) {
        peer.zw.tell(new SocketProtocol.Send(List.of(all.slice(k * size, size)), k, probe.getRef()));
        if (k % 16 == 15) {
          Thread.sleep(1); // let completions come back between bursts
        }
      }
      SocketContract.Outcomes o = new SocketContract.Outcomes();
      o.awaitAll(probe, n, Duration.ofSeconds(30));
      assertEquals(n, o.count(Released.class));
      peer.awaitBytes((long) n * size, Duration.ofSeconds(30));
      assertEquals(0, peer.corrupt.get());
      TestProbe<SocketStats> sp = kit.createTestProbe();
      peer.zw.tell(new SocketProtocol.GetStats(sp.getRef()));
      return sp.receiveMessage(Duration.ofSeconds(10));
    } finally {
      all.release();
    }
  }

  private SocketOptions defaults() {
    return ZeroWire.get(kit.system()).defaultOptions();
  }

  @Test
  void adaptiveSwitchesToCopyWhenCompletionsComeBackCopied() throws Exception {
    SocketStats s = stream(defaults().withMode(SendMode.ADAPTIVE).withAdaptive(8, Duration.ofMinutes(1)), 400, 64 * 1024);
    assertTrue(s.copiedCompletions() > 0, s.toString());
    assertEquals(1, s.modeSwitches(), "one switch to copy, no probe within a minute: " + s);
    assertTrue(s.zeroCopySends() < s.sendCalls(), "after the switch sends are copied: " + s);
  }

  @Test
  void adaptiveProbesZeroCopyAgainAfterTheInterval() throws Exception {
    SocketStats s = stream(defaults().withMode(SendMode.ADAPTIVE).withAdaptive(4, Duration.ofMillis(1)), 800, 64 * 1024);
    assertTrue(s.modeSwitches() >= 2, "switched to copy and probed back: " + s);
  }

  @Test
  void adaptiveToALocalPeerCopiesFromTheStartByDefault() throws Exception {
    SocketOptions opts = ZeroWire.get(defaultKit.system()).defaultOptions();
    assertEquals(SendMode.ADAPTIVE, opts.mode(), "adaptive is the default mode");
    SocketStats s = stream(defaultKit, opts, 200, 64 * 1024);
    assertEquals(0, s.zeroCopySends(), "a loopback peer is local: the kernel would copy anyway: " + s);
    assertEquals(0, s.modeSwitches(), s.toString());
  }

  @Test
  void copyModeTakesNoSendIds() throws Exception {
    SocketStats s = stream(defaults().withMode(SendMode.COPY), 100, 64 * 1024);
    assertEquals(0, s.zeroCopySends(), s.toString());
    assertEquals(0, s.completions(), s.toString());
    assertEquals(100, s.released());
  }

  @Test
  void zeroCopyModeUsesZeroCopyAboveTheThresholdOnly() throws Exception {
    SocketStats big = stream(defaults().withMode(SendMode.ZEROCOPY), 100, 64 * 1024);
    assertEquals(big.sendCalls(), big.zeroCopySends(), "every 64 KiB send went zero copy: " + big);
    SocketStats small = stream(defaults().withMode(SendMode.ZEROCOPY), 100, 4 * 1024);
    assertEquals(0, small.zeroCopySends(), "4 KiB sends are under the 10 KiB threshold: " + small);
  }
}
