package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.actors.SocketProtocol.SendReply;
import dev.zerowire.nativeio.NativeBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What users see from outside: JFR events and the counters summed over every socket. */
class ObservabilityTest {
  static final ActorTestKit kit = ActorTestKit.create("ObservabilityTest",
      com.typesafe.config.ConfigFactory.parseString("zerowire.socket.adaptive.assume-local-copies = off")
          .withFallback(com.typesafe.config.ConfigFactory.load()));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private SocketStats streamAndClose(SocketOptions opts, int n, int size) throws Exception {
    NativeBuffer all = NativeBuffer.allocate(n * size);
    try (Peer peer = Peer.Transport.TCP4.open(kit, opts).startReading(SocketContract::streamByte, 1 << 18, 0)) {
      SocketContract.fillStream(all, n * size, 0);
      TestProbe<SendReply> probe = kit.createTestProbe();
      for (int k = 0; k < n; k++) {
        peer.zw.tell(new SocketProtocol.Send(List.of(all.slice(k * size, size)), k, probe.getRef()));
      }
      new SocketContract.Outcomes().awaitAll(probe, n, Duration.ofSeconds(30));
      TestProbe<SocketProtocol.Event> closed = kit.createTestProbe();
      peer.zw.tell(new SocketProtocol.Close(closed.getRef()));
      return closed.expectMessageClass(SocketProtocol.Closed.class, Duration.ofSeconds(10)).stats();
    } finally {
      all.release();
    }
  }

  @Test
  void flightRecorderSeesModeSwitchesAndCompletionBatches(@TempDir Path dir) throws Exception {
    Map<String, Integer> counts = new HashMap<>();
    try (Recording r = new Recording()) {
      r.enable("zerowire.ModeSwitch");
      r.enable("zerowire.CompletionBatch");
      r.enable("zerowire.EnobufsFallback");
      r.enable("zerowire.SlowRelease");
      r.start();
      streamAndClose(ZeroWire.get(kit.system()).defaultOptions().withMode(SendMode.ADAPTIVE)
          .withAdaptive(4, Duration.ofMinutes(1)), 200, 64 * 1024);
      r.stop();
      Path file = dir.resolve("zerowire.jfr");
      r.dump(file);
      for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
        counts.merge(e.getEventType().getName(), 1, Integer::sum);
        if (e.getEventType().getName().equals("zerowire.ModeSwitch")) {
          assertTrue(e.getString("why").contains("COPIED"), e.toString());
        }
      }
      Files.deleteIfExists(file);
    }
    assertEquals(1, counts.getOrDefault("zerowire.ModeSwitch", 0), counts.toString());
    assertTrue(counts.getOrDefault("zerowire.CompletionBatch", 0) > 0, counts.toString());
  }

  @Test
  void totalsSumEverySocket() throws Exception {
    SocketStats before = ZeroWire.get(kit.system()).totals().toCompletableFuture().get(10, TimeUnit.SECONDS);
    SocketOptions opts = ZeroWire.get(kit.system()).defaultOptions().withMode(SendMode.ZEROCOPY);
    SocketStats a = streamAndClose(opts, 30, 64 * 1024);
    SocketStats b = streamAndClose(opts, 20, 64 * 1024);
    SocketStats after = null;
    for (int i = 0; i < 100; i++) { // the manager hears of each closed socket by message
      after = ZeroWire.get(kit.system()).totals().toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (after.released() - before.released() == 50) {
        break;
      }
      Thread.sleep(20);
    }
    assertEquals(50, after.released() - before.released(), after.toString());
    assertEquals(a.bytes() + b.bytes(), after.bytes() - before.bytes());
    assertEquals(a.zeroCopySends() + b.zeroCopySends(), after.zeroCopySends() - before.zeroCopySends());
  }
}
