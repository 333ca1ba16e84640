package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetsTest {
  private static Row tput(String scenario, String impl, String param, double mbs) {
    return Row.of(scenario, impl, param, Units.MB_S, mbs, mbs, mbs, 3);
  }

  private static Targets.Verdict verdict(List<Targets.Verdict> vs, String target) {
    return vs.stream().filter(v -> v.target().equals(target)).findFirst().orElseThrow(() -> new AssertionError(target));
  }

  @Test
  void streamRatiosAreMetOrMissedWithTheShortfall() {
    List<Row> rows = new ArrayList<>();
    for (String p : List.of("64 KiB", "1 MiB")) {
      rows.add(tput("stream-tcp", "zerowire-adaptive", p, 1000));
      rows.add(tput("stream-tcp", "java-nio", p, 800));
      rows.add(tput("stream-tcp", "netty-epoll", p, 1250));
      rows.add(tput("stream-tcp", "pekko-io", p, 400));
    }
    List<Targets.Verdict> vs = Targets.evaluate(rows, List.of(), BenchPlan.quickPlan());
    assertEquals(Targets.Status.MET, verdict(vs, "stream-tcp 64 KiB: zerowire-adaptive >= 1.0x java-nio").status());
    Targets.Verdict netty = verdict(vs, "stream-tcp 1 MiB: zerowire-adaptive >= 1.0x netty-epoll");
    assertEquals(Targets.Status.MISSED, netty.status());
    assertTrue(netty.detail().contains("0.80x") && netty.detail().contains("20% short"), netty.detail());
    assertEquals(Targets.Status.MET, verdict(vs, "stream-tcp 1 MiB: zerowire-adaptive >= 2.0x pekko-io").status());
  }

  @Test
  void trueZeroCopyComparesCpuPerGibAndCopiedShare() {
    List<Row> rows = List.of(
        new Row("true-zerocopy", "zerowire-copy", "64000 B UDP", Units.MB_S, 3000, 2900, 3100, 0.50, null, "process", 3, Map.of()),
        new Row("true-zerocopy", "zerowire-zerocopy", "64000 B UDP", Units.MB_S, 5000, 4900, 5100, 0.30, null, "process", 3, Map.of()),
        Row.of("true-zerocopy", "zerowire-zerocopy", "64000 B UDP", Units.COPIED_PERCENT, 0, 0, 2.5, 3));
    List<Targets.Verdict> vs = Targets.evaluate(rows, List.of(), BenchPlan.quickPlan());
    assertEquals(Targets.Status.MET, verdict(vs, "true-zerocopy: zerowire-zerocopy CPU/GiB <= 0.9x zerowire-copy").status());
    assertEquals(Targets.Status.MISSED, verdict(vs, "true-zerocopy: < 1% of zero-copy completions COPIED").status(),
        "judged on the worst repetition");
  }

  @Test
  void trueZeroCopyJudgesTheActorTaxOnCpuPerGib() {
    String t = "true-zerocopy: zerowire-zerocopy CPU/GiB <= 1.3x floor-zerocopy";
    Row floor = new Row("true-zerocopy", "floor-zerocopy", "64000 B UDP", Units.MB_S, 15000, 14000, 16000, 0.070, null,
        "process", 3, Map.of());
    Row within = new Row("true-zerocopy", "zerowire-zerocopy", "64000 B UDP", Units.MB_S, 9000, 8000, 9500, 0.0905, null,
        "process", 3, Map.of());
    Row above = new Row("true-zerocopy", "zerowire-zerocopy", "64000 B UDP", Units.MB_S, 7000, 6000, 7500, 0.175, null,
        "process", 3, Map.of());
    assertEquals(Targets.Status.MET, verdict(Targets.evaluate(List.of(floor, within), List.of(), BenchPlan.quickPlan()), t)
        .status(), "0.0905 / 0.070 = 1.29x");
    Targets.Verdict missed = verdict(Targets.evaluate(List.of(floor, above), List.of(), BenchPlan.quickPlan()), t);
    assertEquals(Targets.Status.MISSED, missed.status());
    assertTrue(missed.detail().contains("2.50x") && missed.detail().contains("92% above 1.3x"), missed.detail());
    assertEquals(Targets.Status.NOT_EVALUATED,
        verdict(Targets.evaluate(List.of(above), List.of(), BenchPlan.quickPlan()), t).status(), "no floor row");
  }

  @Test
  void skippedScenariosAreNotEvaluatedWithTheReason() {
    List<Skipped> skipped = List.of(new Skipped("small-messages", "blight client not integrated"),
        new Skipped("true-zerocopy", "needs root"));
    List<Row> rows = List.of(Row.of("small-messages", "naive-two-writes", "unix", Units.MSG_S, 1e5, 1e5, 1e5, 3));
    List<Targets.Verdict> vs = Targets.evaluate(rows, skipped, BenchPlan.quickPlan());
    Targets.Verdict small = verdict(vs, "small-messages unix: zerowire blight client >= 10x naive-two-writes");
    assertEquals(Targets.Status.NOT_EVALUATED, small.status());
    assertTrue(small.detail().contains("blight client not integrated"));
    Targets.Verdict zc = verdict(vs, "true-zerocopy: < 1% of zero-copy completions COPIED");
    assertEquals("needs root", zc.detail());
  }

  @Test
  void scenariosLeftOutByOnlyAreSaidToBeNotRun() {
    BenchPlan onlyStream = BenchPlan.quickPlan().withScenarios(List.of("stream-tcp"));
    List<Targets.Verdict> vs = Targets.evaluate(List.of(), List.of(), onlyStream);
    assertEquals("scenario not run (--only)", verdict(vs, "round-trip unix: zerowire blight client p99 < 200 us").detail());
  }

  @Test
  void blightTargetsUseAnyZerowireClientRow() {
    List<Row> rows = List.of(
        Row.of("small-messages", "zerowire-adaptive", "unix", Units.MSG_S, 2e6, 2e6, 2e6, 3),
        Row.of("small-messages", "naive-two-writes", "unix", Units.MSG_S, 1e5, 1e5, 1e5, 3),
        Row.of("round-trip", "zerowire-adaptive", "unix", Units.US_P99, 250, 240, 260, 3));
    List<Targets.Verdict> vs = Targets.evaluate(rows, List.of(), BenchPlan.quickPlan());
    assertEquals(Targets.Status.MET, verdict(vs, "small-messages unix: zerowire blight client >= 1,000,000 msg/s").status());
    assertEquals(Targets.Status.MET, verdict(vs, "small-messages unix: zerowire blight client >= 10x naive-two-writes").status());
    assertEquals(Targets.Status.MISSED, verdict(vs, "round-trip unix: zerowire blight client p99 < 200 us").status());
  }

  /** Issue 10: 1.5 M msg/s for small messages; a round trip's p50 within 1.3x and p99 within 2x the floor's. */
  @Test
  void issueTenTargetsJudgeTheRateAndTheTaxAgainstTheFloor() {
    List<Row> rows = List.of(
        Row.of("small-messages", "zerowire-blight", "unix", Units.MSG_S, 1.2e6, 1.1e6, 1.3e6, 3),
        Row.of("round-trip", "zerowire-blight", "unix", Units.US_P50, 26, 25, 27, 3),
        Row.of("round-trip", "floor-blight", "unix", Units.US_P50, 20, 19, 21, 3),
        Row.of("round-trip", "zerowire-blight", "unix", Units.US_P99, 130, 120, 140, 3),
        Row.of("round-trip", "floor-blight", "unix", Units.US_P99, 60, 50, 70, 3),
        Row.of("stream-tcp", "zerowire-adaptive", "4 KiB", Units.MB_S, 2000, 1900, 2100, 3),
        Row.of("stream-tcp", "netty-epoll", "4 KiB", Units.MB_S, 2100, 2000, 2200, 3));
    List<Targets.Verdict> vs = Targets.evaluate(rows, List.of(), BenchPlan.quickPlan());
    assertEquals(Targets.Status.MET, verdict(vs, "small-messages unix: zerowire blight client >= 1,000,000 msg/s").status());
    assertEquals(Targets.Status.MISSED,
        verdict(vs, "small-messages unix: zerowire blight client >= 1,500,000 msg/s (issue 10)").status());
    assertEquals(Targets.Status.MET, verdict(vs, "round-trip unix us_p50: zerowire-blight <= 1.3x floor-blight").status(),
        "26 / 20 = 1.30x");
    assertEquals(Targets.Status.MISSED, verdict(vs, "round-trip unix us_p99: zerowire-blight <= 2.0x floor-blight").status(),
        "130 / 60 = 2.17x");
    assertEquals(Targets.Status.MISSED, verdict(vs, "stream-tcp 4 KiB: zerowire-adaptive >= 1.0x netty-epoll").status());
    assertEquals(Targets.Status.NOT_EVALUATED, verdict(vs, "stream-tcp 4 KiB: zerowire-adaptive >= 1.0x java-nio").status());
  }

  @Test
  void manyConnectionsNeedsEveryPayloadReleasedAndHeapUnder512MiB() {
    List<Row> rows = List.of(
        new Row("many-connections", "zerowire-adaptive", "1000 conns x 64 KiB", Units.MB_S, 1500, 1400, 1600, null,
            null, null, 3, Map.of("unreleased", 0.0, "payloads", 20000.0)),
        Row.of("many-connections", "zerowire-adaptive", "1000 conns x 64 KiB", Units.MIB_HEAP_PEAK, 300, 200, 600, 3));
    List<Targets.Verdict> vs = Targets.evaluate(rows, List.of(), BenchPlan.quickPlan());
    assertEquals(Targets.Status.MET,
        verdict(vs, "many-connections zerowire-adaptive: completes with every payload released").status());
    assertEquals(Targets.Status.MISSED, verdict(vs, "many-connections zerowire-adaptive: peak heap < 512 MiB").status(),
        "judged on the worst repetition");
    List<Row> withFloor = new ArrayList<>(rows);
    withFloor.add(tput("many-connections", "floor-copy", "1000 conns x 64 KiB", 4000));
    assertTrue(Targets.evaluate(withFloor, List.of(), BenchPlan.quickPlan()).stream()
        .noneMatch(v -> v.target().contains("floor-copy")), "the targets are zerowire's, not the floor's");
  }

  @Test
  void xprocTargetsCompareZerowireWithTheFloorPair() {
    String s = XprocScenario.NAME;
    List<Row> rows = List.of(
        Row.of(s, "zerowire", "unix info", Units.REQ_S, 16_000, 15_000, 17_000, 3),
        Row.of(s, "zerowire", "unix info", Units.REQ_S_COLD, 7_000, 7_000, 7_000, 1),
        Row.of(s, "zerowire", "unix info", Units.US_P50, 26, 25, 27, 3),
        Row.of(s, "floor-xproc", "unix info", Units.US_P50, 20, 19, 21, 3),
        Row.of(s, "zerowire", "unix info", Units.US_P99, 90, 80, 100, 3),
        Row.of(s, "floor-xproc", "unix info", Units.US_P99, 40, 39, 41, 3),
        tput(s, "zerowire-client", "unix 64 KiB repaint", 450),
        tput(s, "zerowire-server", "unix 64 KiB repaint", 400),
        tput(s, "floor-xproc", "unix 64 KiB repaint", 500));
    List<Targets.Verdict> vs = Targets.evaluate(rows, List.of(), BenchPlan.quickPlan());
    assertEquals(Targets.Status.MET,
        verdict(vs, s + " unix: zerowire client <-> zerowire server warm Info >= 15,000 round trips/s").status());
    assertEquals(Targets.Status.MET, verdict(vs, s + " unix info us_p50: zerowire <= 1.3x floor-xproc").status());
    Targets.Verdict p99 = verdict(vs, s + " unix info us_p99: zerowire <= 2.0x floor-xproc");
    assertEquals(Targets.Status.MISSED, p99.status());
    assertTrue(p99.detail().contains("2.25x") && p99.detail().contains("13% above 2.0x"), p99.detail());
    assertEquals(Targets.Status.MET,
        verdict(vs, s + " unix 64 KiB repaint: zerowire-client >= 0.9x floor-xproc").status());
    assertEquals(Targets.Status.MISSED,
        verdict(vs, s + " unix 64 KiB repaint: zerowire-server >= 0.9x floor-xproc").status());
    Targets.Verdict cold = verdict(vs, s + " unix cold: zerowire's first 2,000 Info round trips >= 0.5x its warm rate");
    assertEquals(Targets.Status.MISSED, cold.status(), "7,000 / 16,000 = 0.44x");
    assertTrue(cold.detail().contains("0.44x"), cold.detail());
  }
}
