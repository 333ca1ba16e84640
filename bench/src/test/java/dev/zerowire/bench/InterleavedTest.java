package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InterleavedTest {
  /** A contender that logs its calls and returns scripted values (no timing involved). */
  static final class Fake implements Contender {
    final String name;
    final List<String> log;
    final double[] values;
    final int failOnRep;
    int rep;
    boolean closed;

    Fake(String name, List<String> log, int failOnRep, double... values) {
      this.name = name;
      this.log = log;
      this.values = values;
      this.failOnRep = failOnRep;
    }

    @Override
    public String impl() {
      return name;
    }

    @Override
    public void warmUp(Duration d) {
      log.add("warm " + name);
    }

    @Override
    public Sample measure(Duration d) {
      rep++;
      log.add(name + rep);
      if (rep == failOnRep) {
        throw new IllegalStateException("byte count mismatch");
      }
      double v = values[rep - 1];
      return new Sample().metric("MB/s", v).metric("us_p99", v / 10)
          .cpu(new CpuMeter.Reading(CpuMeter.Source.SENDER_THREAD, (long) (v * 1e6), 100 * rep), 1L << 30, 10)
          .extra("copied_share", 1.0);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static BenchPlan plan(int reps) {
    return new BenchPlan(true, Duration.ZERO, Duration.ofMillis(1), reps, BenchPlan.SCENARIOS, 1, java.util.List.of(), java.util.List.of(), false,
        XprocCpus.NONE);
  }

  private static Progress quiet() {
    return new Progress(new PrintStream(new ByteArrayOutputStream()));
  }

  @Test
  void runsWarmUpsThenRepetitionsInterleaved() {
    List<String> log = new ArrayList<>();
    Fake a = new Fake("A", log, 0, 1, 2, 3);
    Fake b = new Fake("B", log, 0, 1, 2, 3);
    Fake c = new Fake("C", log, 0, 1, 2, 3);
    Interleaved.run("s", "p", List.of(a, b, c), plan(3), quiet(), new Report());
    assertEquals(List.of("warm A", "warm B", "warm C", "A1", "B1", "C1", "A2", "B2", "C2", "A3", "B3", "C3"), log);
    assertTrue(a.closed && b.closed && c.closed);
  }

  @Test
  void aggregatesMedianMinMaxPerUnitWithCpuOnThePrimaryRow() {
    Report report = new Report();
    Interleaved.run("s", "p", List.of(new Fake("A", new ArrayList<>(), 0, 30, 10, 20)), plan(3), quiet(), report);
    List<Row> rows = report.rows();
    assertEquals(2, rows.size());
    Row primary = rows.get(0);
    assertEquals("MB/s", primary.unit());
    assertEquals(20.0, primary.median());
    assertEquals(10.0, primary.min());
    assertEquals(30.0, primary.max());
    assertEquals(3, primary.reps());
    assertEquals(0.02, primary.cpuSPerGib(), 1e-9); // 20e6 ns over 1 GiB, median
    assertEquals(20.0, primary.allocBytesPerMsg(), 1e-9); // 200 bytes / 10 messages, median
    assertEquals("sender-thread", primary.cpuSource());
    assertEquals(1.0, primary.extra().get("copied_share"));
    Row second = rows.get(1);
    assertEquals("us_p99", second.unit());
    assertEquals(2.0, second.median());
    assertNull(second.cpuSPerGib());
    assertNull(second.cpuSource());
  }

  @Test
  void aFailingContenderIsSkippedWithItsErrorAndTheOthersCarryOn() {
    List<String> log = new ArrayList<>();
    Fake a = new Fake("A", log, 2, 1, 2, 3);
    Fake b = new Fake("B", log, 0, 1, 2, 3);
    Report report = new Report();
    Interleaved.run("s", "p", List.of(a, b), plan(3), quiet(), report);
    assertEquals(List.of("warm A", "warm B", "A1", "B1", "A2", "B2", "B3"), log);
    assertTrue(report.rows().stream().allMatch(r -> r.impl().equals("B")));
    assertEquals(1, report.failures());
    Skipped s = report.skipped().get(0);
    assertEquals("s", s.scenario());
    assertTrue(s.reason().contains("A (p) failed") && s.reason().contains("byte count mismatch"), s.reason());
    assertTrue(a.closed, "a failed contender is still closed");
  }
}
