package dev.zerowire.bench;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./zerowire bench [--quick] [--json] [--out DIR] [--only SCENARIO]}: zerowire side by side
 * with java.nio, Pekko IO and Netty, every implementation interleaved, in one run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Benchmarks zerowire against java.nio, Pekko IO and Netty (epoll, io_uring zero copy).",
        "Scenarios: stream-tcp, small-messages, round-trip, blight-xproc, true-zerocopy, many-connections, hostile, echo.",
        "Each runs every implementation interleaved (A B C A B C ...) after a warm-up, and reports the",
        "median, min and max of the repetitions. Progress goes to stderr, the table (or JSON) to stdout."},
    subcommands = {JmhCommand.class})
public final class BenchCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--quick", description = "Short runs: 0.3 s warm-up and 3 x 0.4 s per implementation (about 2.5 minutes for the suite).")
  boolean quick;

  @Option(names = "--json", description = "Print the results as one JSON object on stdout (the table goes to stderr).")
  boolean json;

  @Option(names = "--out", paramLabel = "DIR", description = "Write results.json and one PNG chart per scenario here.")
  Path out;

  @Option(names = "--only", paramLabel = "SCENARIO", split = ",",
      description = "Run only these scenarios (comma separated or repeated).")
  List<String> only;

  @Option(names = "--reps", paramLabel = "N", description = "Measured repetitions per implementation (>= 3).")
  Integer reps;

  @Option(names = "--seconds", paramLabel = "S", description = "Length of one measured repetition, in seconds.")
  Double seconds;

  @Option(names = "--warmup", paramLabel = "S", description = "Warm-up per implementation, in seconds.")
  Double warmup;

  @Option(names = "--connections", paramLabel = "N", description = "Sockets in many-connections (default 1000).")
  Integer connections;

  @Option(names = "--impl", paramLabel = "IMPL", split = ",",
      description = "Run only these implementations (e.g. zerowire-adaptive), for profiling one of them.")
  List<String> impls;

  @Option(names = "--payload", paramLabel = "SIZE", split = ",",
      description = "stream-tcp payload sizes (e.g. 64K,1M); default 4K, 64K and 1M.")
  List<String> payloads;

  @Option(names = "--driver-dispatcher", paramLabel = "default|zerowire",
      description = "Where the actors driving zerowire sockets run: zerowire's own dispatcher, next to the socket "
          + "actors, as the README advises (default), or Pekko's default dispatcher, as an application's actors "
          + "would if they ignored that advice.")
  String driverDispatcher = "zerowire";

  @Option(names = "--xproc-cpus", paramLabel = "SERVER:CLIENT",
      description = "Pin blight-xproc's servers and clients with taskset at start, e.g. 0:0 (one vCPU) or 1:0 (two): "
          + "on a small VM where the two ends sit decides a round trip (BENCH.md). Default: not pinned.")
  String xprocCpus;

  @Option(names = "--jmh", description = "Run the JMH micro-benchmarks (short iterations) instead of the scenarios.")
  boolean jmh;

  @Option(names = "--list", description = "List the scenarios and exit.")
  boolean list;

  /** The plan the options describe; IllegalArgumentException for a bad combination. */
  BenchPlan plan() {
    BenchPlan p = quick ? BenchPlan.quickPlan() : BenchPlan.fullPlan();
    p = p.withScenarios(BenchPlan.select(only));
    if (seconds != null || warmup != null) {
      Duration m = seconds != null ? millis(seconds, "--seconds") : p.measure();
      Duration w = warmup != null ? millis(warmup, "--warmup") : p.warmup();
      p = p.withTimes(w, m);
    }
    if (reps != null) {
      p = p.withReps(reps);
    }
    if (connections != null) {
      p = p.withConnections(connections);
    }
    switch (driverDispatcher.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "default" -> { }
      case "zerowire" -> p = p.withDriverOnZeroWireDispatcher(true);
      default -> throw new IllegalArgumentException("--driver-dispatcher must be default or zerowire, was " + driverDispatcher);
    }
    if (payloads != null) {
      p = p.withPayloads(payloads.stream().map(BenchPlan::parseSize).toList());
    }
    if (xprocCpus != null) {
      p = p.withXprocCpus(XprocCpus.parse(xprocCpus));
    }
    if (impls != null) {
      p = p.withImpls(impls.stream().map(String::trim).filter(x -> !x.isEmpty()).toList());
    }
    return p;
  }

  private static Duration millis(double s, String what) {
    if (!(s >= 0) || s > 3600) {
      throw new IllegalArgumentException(what + " must be between 0 and 3600 seconds, was " + s);
    }
    return Duration.ofMillis(Math.round(s * 1000));
  }

  /** Every scenario, in suite order. */
  static List<Scenario> scenarios() {
    return List.of(new StreamTcpScenario(), new SmallMessagesScenario(), new RoundTripScenario(), new XprocScenario(),
        new TrueZeroCopyScenario(), new ManyConnectionsScenario(), new HostileScenario(), new EchoScenario());
  }

  @Override
  public Integer call() throws Exception {
    quietLogging();
    if (list) {
      for (Scenario s : scenarios()) {
        System.out.printf("%-18s %s%n", s.name(), s.title());
      }
      return 0;
    }
    if (jmh) {
      return JmhCommand.runDefaults(only);
    }
    BenchPlan plan;
    try {
      plan = plan();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Report report = new Report();
    describeRun(report, plan);
    Progress progress = new Progress(System.err);
    progress.note(String.format("plan: %s, warm-up %s, %d x %s per implementation; scenarios %s",
        plan.quick() ? "quick" : "full", BenchPlan.seconds(plan.warmup()), plan.reps(),
        BenchPlan.seconds(plan.measure()), String.join(", ", plan.scenarios())));
    long t0 = System.nanoTime();
    try (BenchContext ctx = new BenchContext(plan, report, progress)) {
      for (Scenario s : scenarios()) {
        if (!plan.runs(s.name())) {
          continue;
        }
        progress.scenario(s.name(), s.title());
        try {
          s.run(ctx);
        } catch (Exception | Error e) {
          report.failure(new Skipped(s.name(), "scenario failed: " + Interleaved.describe(e)));
          progress.note(s.name() + " failed: " + e);
          e.printStackTrace();
        }
      }
    }
    report.meta("elapsed_s", (System.nanoTime() - t0) / 1e9);
    report.verdicts(Targets.evaluate(report.rows(), report.skipped(), plan));
    String table = report.table();
    if (json) {
      System.err.println();
      System.err.print(table);
      System.out.print(report.toJson());
    } else {
      System.out.println();
      System.out.print(table);
    }
    if (out != null) {
      writeOut(report, progress);
    }
    return report.failures() == 0 ? 0 : 1;
  }

  private void writeOut(Report report, Progress progress) throws IOException {
    Files.createDirectories(out);
    Path jsonFile = out.resolve("results.json");
    Files.writeString(jsonFile, report.toJson());
    progress.note("wrote " + jsonFile);
    try {
      for (Path p : Charts.write(out, report.rows())) {
        progress.note("wrote " + p);
      }
    } catch (Exception | Error e) {
      progress.note("charts not written: " + e); // the numbers matter more than the pictures
    }
  }

  private void describeRun(Report report, BenchPlan plan) {
    report.meta("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    List<String> args = spec.commandLine().getParseResult() == null ? List.of()
        : spec.commandLine().getParseResult().originalArgs();
    report.meta("command", ("./zerowire " + String.join(" ", args)).trim()); // originalArgs start with "bench"
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    host.put("cpus", Runtime.getRuntime().availableProcessors());
    host.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
    host.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
    report.meta("host", host);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("quick", plan.quick());
    p.put("warmup_s", plan.warmup().toMillis() / 1000.0);
    p.put("measure_s", plan.measure().toMillis() / 1000.0);
    p.put("reps", plan.reps());
    p.put("scenarios", plan.scenarios());
    p.put("connections", plan.connections());
    p.put("driver_dispatcher", plan.driverOnZeroWireDispatcher() ? BenchContext.ZEROWIRE_DISPATCHER
        : "pekko.actor.default-dispatcher");
    if (!plan.impls().isEmpty()) {
      p.put("impls", plan.impls());
    }
    report.meta("plan", p);
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put(CpuMeter.Source.SENDER_THREAD.label(), "CPU time and allocated bytes of the one thread that does all sending (ThreadMXBean)");
    cpu.put(CpuMeter.Source.PROCESS_MINUS_RECEIVER.label(),
        "process CPU time (OperatingSystemMXBean) and all threads' allocated bytes, minus the receiver's reader threads; includes GC/JIT");
    cpu.put(CpuMeter.Source.PROCESS.label(), "process CPU time and allocated bytes (no receiver in the process)");
    report.meta("cpu_sources", cpu);
    report.meta("units", Map.of(
        Units.MB_S, "payload bytes / 10^6 per second, from the first send until the receiver counted the last byte",
        Units.COPIED_PERCENT, "zero-copy send ids whose completion said COPIED, percent",
        Units.US_P99_COMPLETION_TO_RELEASE, "p99 microseconds from the reaper reading a send's completion off the error queue to zerowire telling Released (JFR zerowire.SlowRelease)",
        Units.US_P99_WRITE_TO_RELEASE, "p99 microseconds from the last byte handed to the kernel to zerowire telling Released (JFR zerowire.SlowRelease); includes the kernel's completion time",
        Units.MIB_HEAP_PEAK, "highest heap in use seen by a 10 ms sampler during a repetition",
        Units.MIB_RSS_PEAK, "highest resident set size (/proc/self/statm) seen by the same sampler"));
  }

  /** Logback defaults to DEBUG without a config file; the bench wants its own output only. */
  static void quietLogging() {
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext lc) {
      lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
    }
  }
}
