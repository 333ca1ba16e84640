package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * blight-xproc with real child JVMs and real sockets, at tiny message counts: every pair gives its
 * rows with their tax, results that do not add up are refused, and a child that dies or does not
 * finish is reported instead of waited for.
 */
class XprocScenarioTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** Tiny counts over the Unix socket only; one client process per pair, three measured loads each. */
  private static XprocPlan tiny(Duration clientTimeout) {
    return new XprocPlan(List.of(BlightTransport.UNIX), 1, 3, 20, 10, 10, 2, 3, 50, 100, clientTimeout,
        Duration.ofSeconds(120), Duration.ofSeconds(5), XprocCpus.NONE);
  }

  private static Report run(XprocPlan plan) throws Exception {
    Report report = new Report();
    BenchPlan bench = BenchPlan.quickPlan().withScenarios(List.of(XprocScenario.NAME));
    try (BenchContext ctx = new BenchContext(bench, report, new Progress(new PrintStream(new ByteArrayOutputStream())))) {
      new XprocScenario(plan).run(ctx);
    }
    return report;
  }

  @Test
  void everyPairGivesVerifiedRowsWithItsTax() throws Exception {
    Report report = run(tiny(Duration.ofSeconds(180)));
    assertEquals(List.of(), report.skipped(), "no pair skipped");
    assertEquals(0, report.failures());
    List<String> units = List.of(Units.REQ_S, Units.US_P50, Units.US_P99, Units.REQ_S_COLD);
    for (XprocPair p : XprocPair.values()) {
      for (String unit : units) {
        Row r = Targets.find(report.rows(), XprocScenario.NAME, p.impl(), "unix info", unit)
            .orElseThrow(() -> new AssertionError(p.impl() + " " + unit));
        assertEquals(unit.equals(Units.REQ_S_COLD) ? 1 : 3, r.reps(), p.impl() + " " + unit);
        assertTrue(r.median() > 0, p.impl() + " " + unit + " " + r.median());
        if (p == XprocPair.FLOOR) {
          assertNull(report.tax(r), "the floor has no tax");
        } else {
          assertNotNull(report.tax(r), p.impl() + " " + unit + " has its tax against floor-xproc");
          assertEquals(r.median() / Targets.find(report.rows(), XprocScenario.NAME, "floor-xproc", "unix info", unit)
              .orElseThrow().median(), report.tax(r), 1e-9);
        }
      }
      assertTrue(Targets.find(report.rows(), XprocScenario.NAME, p.impl(), "unix 64 KiB repaint", Units.MB_S).isPresent());
      assertTrue(Targets.find(report.rows(), XprocScenario.NAME, p.impl(), "unix 36 B repaint", Units.MSG_S).isPresent());
    }
    assertEquals(24, report.rows().size());
    List<Targets.Verdict> verdicts = Targets.evaluate(report.rows(), report.skipped(),
        BenchPlan.quickPlan().withScenarios(List.of(XprocScenario.NAME)));
    List<Targets.Verdict> xproc = verdicts.stream().filter(v -> v.target().startsWith(XprocScenario.NAME)).toList();
    assertEquals(6, xproc.size());
    xproc.forEach(v -> assertTrue(v.status() != Targets.Status.NOT_EVALUATED, v.target() + ": " + v.detail()));
  }

  @Test
  void clientsThatDoNotFinishInTimeAreKilledAndTheirPairsSkipped() throws Exception {
    // No JVM starts, connects and sends all its loads in a tenth of a second.
    Report report = run(tiny(Duration.ofMillis(100)));
    assertEquals(List.of(), report.rows());
    assertEquals(XprocPair.values().length, report.failures());
    for (Skipped s : report.skipped()) {
      assertEquals(XprocScenario.NAME, s.scenario());
      assertTrue(s.reason().contains("did not finish within 0.1 s and was killed"), s.reason());
    }
  }

  @Test
  void aClientThatDiesMidRunIsAnErrorNotAHang() throws Exception {
    XprocPlan plan = tiny(Duration.ofSeconds(120));
    String sock = "unix:" + dir.resolve("floor.sock");
    try (ChildJvm server = XprocPeer.FLOOR.startServer(List.of(sock), 1, plan)) {
      server.awaitStderr("listening on", plan.startTimeout());
      ChildJvm client = ChildJvm.start("endless-client", XprocFloorClient.class.getName(),
          List.of("--connect", sock, "--json", "--load", "repaint:65536:1000000000"), plan.grace());
      try (client) {
        server.awaitStderr("connection 1 accepted", plan.startTimeout());
        ProcessHandle.of(client.pid()).orElseThrow().destroyForcibly(); // dies in the middle of its load
        ChildJvm.Failed f = assertThrows(ChildJvm.Failed.class, () -> client.awaitJson(plan.clientTimeout()));
        assertTrue(f.getMessage().contains("endless-client exited with code") && f.getMessage().contains("without a result"),
            f.getMessage());
      }
      assertFalse(client.isAlive());
      server.close(); // it still waits for the connection it was promised: close() ends it anyway
      assertFalse(server.isAlive());
    }
  }

  @Test
  void aClientResultThatDoesNotAddUpIsRefused() {
    XprocPlan plan = tiny(Duration.ofSeconds(1));
    ObjectNode good = result(plan);
    XprocResult r = XprocResult.parse(good.toString(), plan);
    assertEquals(3, r.infoRate().size());
    assertEquals(1234.0, r.cold());

    ObjectNode missingAck = good.deepCopy();
    missingAck.put("acks", good.get("acks").asLong() - 1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> XprocResult.parse(missingAck.toString(), plan));
    assertTrue(e.getMessage().contains("acks"), e.getMessage());

    ObjectNode shortLoads = good.deepCopy();
    ((ArrayNode) shortLoads.get("loads")).remove(0);
    assertThrows(IllegalStateException.class, () -> XprocResult.parse(shortLoads.toString(), plan));

    ObjectNode notOk = good.deepCopy();
    notOk.put("ok", false);
    assertThrows(IllegalStateException.class, () -> XprocResult.parse(notOk.toString(), plan));
  }

  @Test
  void aServerSummaryThatDoesNotAddUpIsNamed() {
    XprocPlan plan = tiny(Duration.ofSeconds(1));
    ObjectNode s = JSON.createObjectNode();
    s.put("bytes", 2 * plan.bytesPerProcess());
    s.putObject("request_types").put("info", 2 * plan.infoPerProcess()).put("repaint", 2 * plan.repaintsPerProcess());
    s.put("acks_sent", 2 * (plan.messagesPerProcess() + plan.loadsPerProcess()));
    s.put("connections", 2);
    s.put("error_count", 0);
    s.putArray("errors");
    assertNull(XprocScenario.mismatch(s, 2, plan));
    s.put("bytes", 2 * plan.bytesPerProcess() - 1);
    String why = XprocScenario.mismatch(s, 2, plan);
    assertNotNull(why);
    assertTrue(why.contains("payload bytes"), why);
  }

  @Test
  void listeningLinesGiveOneAddressPerTransport() {
    assertEquals(java.util.Map.of("unix", "unix:/tmp/a.sock", "tcp", "tcp:127.0.0.1:4242"),
        XprocScenario.listeningOn("blight-server: listening on unix:/tmp/a.sock, tcp:127.0.0.1:4242"));
  }

  /** A client JSON that matches {@code plan} in every count. */
  private static ObjectNode result(XprocPlan plan) {
    ObjectNode j = JSON.createObjectNode();
    j.put("messages", plan.messagesPerProcess());
    j.put("bytes", plan.bytesPerProcess());
    j.put("acks", plan.messagesPerProcess() + plan.loadsPerProcess());
    j.put("ok", true);
    ArrayNode loads = j.putArray("loads");
    for (int i = 0; i < plan.loadsPerProcess(); i++) {
      ObjectNode l = loads.addObject();
      boolean info = i <= plan.infoIndex(plan.reps() - 1);
      l.put("messages", i == 0 ? plan.cold() : 1);
      l.put("msgs_per_s", i == 0 ? 1234.0 : 1000.0);
      l.put("mb_per_s", 100.0);
      l.put("acks_awaited", !info ? 0 : i == 0 ? plan.cold() : i == 1 ? plan.infoWarmup() : plan.info());
      l.put("latency_us_p50", 10.0);
      l.put("latency_us_p99", 20.0);
      l.put("ok", true);
    }
    return j;
  }
}
