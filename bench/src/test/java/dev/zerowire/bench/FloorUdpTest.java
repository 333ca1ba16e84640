package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The true-zerocopy floors against the scenario's own ifb device: every datagram reaches it, and
 * with zero copy every send's completion came back before the repetition ended, none COPIED.
 * Needs root (a private network namespace); skipped, with the reason, otherwise.
 */
class FloorUdpTest {
  private static NetNs namespace() throws Exception {
    String why = NetNs.unavailable();
    assumeTrue(why == null, "skipped: " + why);
    return NetNs.create("zwtest-floor-" + ProcessHandle.current().pid());
  }

  @Test
  void floorZeroCopyGetsEveryCompletionAndReachesTheDevice() throws Exception {
    try (NetNs ns = namespace(); FloorUdp floor = new FloorUdp(true, ns)) {
      floor.open();
      long packets0 = ns.devicePackets();
      FloorUdp.Totals t = floor.sendFor(Duration.ofMillis(200));
      assertTrue(t.datagrams() > 0);
      assertEquals(t.datagrams() * TrueZeroCopyScenario.DATAGRAM, t.bytes());
      assertTrue(ns.devicePackets() - packets0 >= t.datagrams(), "every datagram reached ifb0");
      assertEquals(t.datagrams(), t.zeroCopyCalls() + t.enobufs(), "each datagram went zero copy or fell back");
      Sample s = floor.measure(Duration.ofMillis(200));
      assertEquals(0.0, s.metrics().get(Units.COPIED_PERCENT), "ifb never copies");
      assertEquals(1.0, s.extras().get("reached_device_share"), 0.05);
      assertTrue(Double.isFinite(s.cpuSPerGib()));
    }
  }

  @Test
  void floorCopySendsPlainDatagrams() throws Exception {
    try (NetNs ns = namespace(); FloorUdp floor = new FloorUdp(false, ns)) {
      floor.open();
      long packets0 = ns.devicePackets();
      FloorUdp.Totals t = floor.sendFor(Duration.ofMillis(200));
      assertTrue(t.datagrams() > 0);
      assertEquals(0, t.zeroCopyCalls());
      assertTrue(ns.devicePackets() - packets0 >= t.datagrams(), "every datagram reached ifb0");
    }
  }
}
