package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
  private static BenchCommand parse(String... args) {
    BenchCommand c = new BenchCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void defaultsAreTheFullPlanOverEveryScenario() {
    BenchPlan p = parse().plan();
    assertFalse(p.quick());
    assertEquals(BenchPlan.SCENARIOS, p.scenarios());
    assertTrue(p.reps() >= 3);
    assertEquals(1000, p.connections());
  }

  @Test
  void quickIsShorterThanFull() {
    BenchPlan q = parse("--quick").plan();
    BenchPlan f = parse().plan();
    assertTrue(q.quick());
    assertTrue(q.measure().compareTo(f.measure()) < 0);
    assertTrue(q.reps() >= 3);
  }

  @Test
  void quickFitsItsBudgetOnPaper() {
    // Every (implementation, parameter) pair runs warm-up + reps x measure. Counted per scenario,
    // floors included: stream-tcp 3 payloads x 8 (floor-copy, java-nio, pekko-io, netty-epoll,
    // netty-io_uring-zc, zerowire copy/zerocopy/adaptive); small-messages and round-trip 2
    // transports x 3 (floor-blight, naive, zerowire) each; true-zerocopy 4 (floor and zerowire,
    // copy and zerocopy); many-connections 3 (floor-copy, zerowire zerocopy/adaptive); echo 2
    // payloads x 4 (floor-echo, java-nio, netty-epoll, zerowire). hostile counts messages, not
    // time; blight-xproc runs counts, held to its own ~30 s by xprocFitsItsBudgetOnPaper.
    // Measuring alone must leave room under two minutes for setup and drains (about 1 s per pair
    // on 2 idle cores).
    int pairs = 3 * 8 + 2 * 3 + 2 * 3 + 4 + 3 + 2 * 4;
    BenchPlan q = BenchPlan.quickPlan();
    double perPair = q.warmup().toMillis() / 1000.0 + q.reps() * q.measure().toMillis() / 1000.0;
    double timed = perPair * pairs;
    assertTrue(timed < 80, "quick plan needs " + timed + " s of measuring alone");
  }

  /**
   * blight-xproc's counts on paper, at rates a quiet run of this machine gave with zerowire on the
   * slower side (cold Info 2,000/s, warm Info 6,000/s, 64 KiB Repaints 300 MB/s, 36 B Repaints
   * 240,000/s; the floor pair about 10x that), 2.5 s to start and stop a zerowire client JVM and
   * 1 s a floor client, 3 s for the two servers: quick must add about 43 s, the full run 2.5 minutes
   * (the warm-ups are long enough for the JIT: issue 10 found 200 Repaints of 64 KiB measured mostly
   * compilation; 500 measured ones, 80 ms each, moved the server-side ratio by 0.15 between runs,
   * so quick measures 1,500; 64 KiB Repaints ran at 341-475 MB/s on either side on 2026-12-02; the
   * 36 B loads were 10,000 messages, 15-40 ms, and are 50,000 in quick now, zerowire's slowest pair
   * then at 268,000/s; quick may add 45 s).
   * A loaded machine (other builds) makes every child slower to start: the estimate, not the
   * measured time, is what the counts are held to.
   */
  static double xprocSecondsOnPaper(XprocPlan x) {
    double zerowireSide = x.cold() / 2_000.0 + (x.infoWarmup() + x.reps() * x.info()) / 6_000.0
        + (x.bigWarmup() + x.reps() * x.big()) * (double) XprocPlan.BIG_SIZE / 300e6
        + (x.smallWarmup() + x.reps() * x.small()) / 240_000.0;
    double perRound = (zerowireSide + 2.5) * 2 // zerowire-client and zerowire pairs: a zerowire client JVM
        + (zerowireSide + 1.0) // zerowire-server: a floor client, zerowire's server sets the pace
        + (zerowireSide / 10 + 1.0); // the floor pair
    return 3 + perRound * x.processes() * x.transports().size();
  }

  @Test
  void xprocFitsItsBudgetOnPaper() {
    double quick = xprocSecondsOnPaper(XprocPlan.of(BenchPlan.quickPlan()));
    double full = xprocSecondsOnPaper(XprocPlan.of(BenchPlan.fullPlan()));
    assertTrue(quick <= 45, "blight-xproc adds " + quick + " s to --quick");
    assertTrue(full <= 160, "blight-xproc adds " + full + " s to the full run");
  }

  @Test
  void onlyTakesCommaSeparatedOrRepeatedNamesInSuiteOrder() {
    assertEquals(List.of("stream-tcp", "round-trip"), parse("--only", "round-trip,stream-tcp").plan().scenarios());
    assertEquals(List.of("small-messages", "many-connections"),
        parse("--only", "many-connections", "--only", "SMALL-MESSAGES").plan().scenarios());
  }

  @Test
  void unknownScenarioIsRefusedWithTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--only", "stream").plan());
    assertTrue(e.getMessage().contains("unknown scenario 'stream'"));
    assertTrue(e.getMessage().contains("true-zerocopy"));
  }

  @Test
  void timesRepsAndConnectionsCanBeSet() {
    BenchPlan p = parse("--quick", "--seconds", "1.5", "--warmup", "0", "--reps", "4", "--connections", "10").plan();
    assertEquals(Duration.ofMillis(1500), p.measure());
    assertEquals(Duration.ZERO, p.warmup());
    assertEquals(4, p.reps());
    assertEquals(10, p.connections());
  }

  @Test
  void fewerThanThreeRepsOrNoTimeIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> parse("--reps", "2").plan());
    assertThrows(IllegalArgumentException.class, () -> parse("--seconds", "0").plan());
    assertThrows(IllegalArgumentException.class, () -> parse("--seconds", "-1").plan());
    assertThrows(IllegalArgumentException.class, () -> parse("--connections", "0").plan());
  }

  @Test
  void implNarrowsTheImplementations() {
    BenchPlan p = parse("--impl", "zerowire-adaptive,java-nio").plan();
    assertTrue(p.wants("java-nio"));
    assertFalse(p.wants("netty-epoll"));
    assertTrue(parse().plan().wants("netty-epoll"));
  }

  @Test
  void payloadSizesParseWithSuffixes() {
    assertEquals(List.of(65536, 1048576, 4096), parse("--payload", "64K,1MiB", "--payload", "4096").plan().payloads());
    assertEquals(List.of(), parse().plan().payloads());
    assertEquals(48, BenchPlan.parseSize("48 B"));
    assertThrows(IllegalArgumentException.class, () -> BenchPlan.parseSize("lots"));
    assertThrows(IllegalArgumentException.class, () -> parse("--payload", "0").plan());
  }

  @Test
  void driverDispatcherIsZerowireUnlessToldDefault() {
    assertTrue(parse().plan().driverOnZeroWireDispatcher(), "the README's advice is the default");
    assertFalse(parse("--driver-dispatcher", "default").plan().driverOnZeroWireDispatcher());
    assertTrue(parse("--driver-dispatcher", "zerowire").plan().driverOnZeroWireDispatcher());
    assertThrows(IllegalArgumentException.class, () -> parse("--driver-dispatcher", "fast").plan());
    assertEquals(XprocCpus.NONE, parse().plan().xprocCpus(), "not pinned unless asked");
    assertEquals(new XprocCpus("1", "0"), parse("--xproc-cpus", "1:0").plan().xprocCpus());
    assertThrows(IllegalArgumentException.class, () -> parse("--xproc-cpus", "one:two").plan());
  }

  @Test
  void outputOptionsParse() {
    BenchCommand c = parse("--json", "--out", "/tmp/x", "--jmh");
    assertTrue(c.json);
    assertTrue(c.jmh);
    assertEquals(Path.of("/tmp/x"), c.out);
  }

  @Test
  void badOptionValueExitsWithUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new BenchCommand()).setErr(new PrintWriter(err));
    assertEquals(2, cl.execute("--only", "nonsense"));
    assertTrue(err.toString().contains("unknown scenario"));
  }

  @Test
  void listNamesEveryScenario() {
    List<String> names = BenchCommand.scenarios().stream().map(Scenario::name).toList();
    assertEquals(BenchPlan.SCENARIOS, names);
  }
}
