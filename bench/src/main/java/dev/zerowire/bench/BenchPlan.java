package dev.zerowire.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How long and how often to measure, and which scenarios to run.
 *
 * @param quick the {@code --quick} plan (0.3 s warm-up, 3 x 0.4 s per implementation and parameter: 51 pairs)
 * @param warmup run and discarded per implementation before the repetitions
 * @param measure one measured repetition (stream scenarios send for this long)
 * @param reps measured repetitions per implementation (at least 3: median, min, max)
 * @param scenarios the scenarios to run, in suite order
 * @param connections sockets in many-connections
 * @param impls run only these implementations (empty: all); for profiling one of them
 * @param payloads stream-tcp payload sizes in bytes (empty: 4 KiB, 64 KiB and 1 MiB)
 * @param driverOnZeroWireDispatcher run the actors that drive zerowire sockets on zerowire's own
 *     dispatcher instead of Pekko's default one (where an application's actors usually live)
 * @param xprocCpus where blight-xproc's servers and clients run ({@link XprocCpus#NONE}: anywhere)
 */
record BenchPlan(boolean quick, Duration warmup, Duration measure, int reps, List<String> scenarios, int connections,
    List<String> impls, List<Integer> payloads, boolean driverOnZeroWireDispatcher, XprocCpus xprocCpus) {

  /** Every scenario, in the order the suite runs them. */
  static final List<String> SCENARIOS =
      List.of("stream-tcp", "small-messages", "round-trip", "blight-xproc", "true-zerocopy", "many-connections", "hostile",
          "echo");

  static final int MIN_REPS = 3;

  BenchPlan {
    if (reps < MIN_REPS) {
      throw new IllegalArgumentException("at least " + MIN_REPS + " repetitions are needed (median, min, max), got " + reps);
    }
    if (warmup.isNegative() || measure.isNegative() || measure.isZero()) {
      throw new IllegalArgumentException("warm-up must be >= 0 and the measured time > 0");
    }
    if (connections < 1) {
      throw new IllegalArgumentException("connections must be >= 1, was " + connections);
    }
    scenarios = List.copyOf(scenarios);
    impls = List.copyOf(impls);
    payloads = List.copyOf(payloads);
    for (int p : payloads) {
      if (p < 1 || p > 64 * 1024 * 1024) {
        throw new IllegalArgumentException("payload must be 1 B .. 64 MiB, was " + p);
      }
    }
  }

  /** 76.5 s of measuring over the 51 pairs; about 2.5 minutes for the suite on 2 idle cores, setup included. */
  static BenchPlan quickPlan() {
    return new BenchPlan(true, Duration.ofMillis(300), Duration.ofMillis(400), 3, SCENARIOS, 1000, List.of(), List.of(), false,
        XprocCpus.NONE);
  }

  /** The full run (under fifteen minutes). */
  static BenchPlan fullPlan() {
    return new BenchPlan(false, Duration.ofSeconds(2), Duration.ofSeconds(3), 5, SCENARIOS, 1000, List.of(), List.of(), false,
        XprocCpus.NONE);
  }

  /**
   * Validates and orders a {@code --only} selection: names from {@link #SCENARIOS}, comma
   * separated or repeated, any case.
   */
  static List<String> select(List<String> only) {
    if (only == null || only.isEmpty()) {
      return SCENARIOS;
    }
    List<String> wanted = new ArrayList<>();
    for (String s : only) {
      for (String part : s.split(",")) {
        String name = part.trim().toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
          continue;
        }
        if (!SCENARIOS.contains(name)) {
          throw new IllegalArgumentException("unknown scenario '" + part.trim() + "': choose from " + String.join(", ", SCENARIOS));
        }
        wanted.add(name);
      }
    }
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException("--only named no scenario: choose from " + String.join(", ", SCENARIOS));
    }
    return SCENARIOS.stream().filter(wanted::contains).toList();
  }

  BenchPlan withScenarios(List<String> s) {
    return new BenchPlan(quick, warmup, measure, reps, s, connections, impls, payloads, driverOnZeroWireDispatcher,
        xprocCpus);
  }

  BenchPlan withTimes(Duration w, Duration m) {
    return new BenchPlan(quick, w, m, reps, scenarios, connections, impls, payloads, driverOnZeroWireDispatcher,
        xprocCpus);
  }

  BenchPlan withReps(int r) {
    return new BenchPlan(quick, warmup, measure, r, scenarios, connections, impls, payloads, driverOnZeroWireDispatcher,
        xprocCpus);
  }

  BenchPlan withConnections(int n) {
    return new BenchPlan(quick, warmup, measure, reps, scenarios, n, impls, payloads, driverOnZeroWireDispatcher,
        xprocCpus);
  }

  BenchPlan withImpls(List<String> names) {
    return new BenchPlan(quick, warmup, measure, reps, scenarios, connections, names == null ? List.of() : names, payloads,
        driverOnZeroWireDispatcher, xprocCpus);
  }

  BenchPlan withDriverOnZeroWireDispatcher(boolean on) {
    return new BenchPlan(quick, warmup, measure, reps, scenarios, connections, impls, payloads, on, xprocCpus);
  }

  BenchPlan withPayloads(List<Integer> sizes) {
    return new BenchPlan(quick, warmup, measure, reps, scenarios, connections, impls, sizes, driverOnZeroWireDispatcher,
        xprocCpus);
  }

  BenchPlan withXprocCpus(XprocCpus cpus) {
    return new BenchPlan(quick, warmup, measure, reps, scenarios, connections, impls, payloads, driverOnZeroWireDispatcher,
        cpus);
  }

  /**
   * Parses a size: bytes, or with a K/KiB or M/MiB suffix (powers of two), e.g. {@code 64K},
   * {@code 1MiB}, {@code 4096}.
   */
  static int parseSize(String text) {
    String t = text.trim().toUpperCase(Locale.ROOT).replace(" ", "");
    int mult = 1;
    if (t.endsWith("KIB") || t.endsWith("K")) {
      mult = 1024;
      t = t.substring(0, t.length() - (t.endsWith("KIB") ? 3 : 1));
    } else if (t.endsWith("MIB") || t.endsWith("M")) {
      mult = 1024 * 1024;
      t = t.substring(0, t.length() - (t.endsWith("MIB") ? 3 : 1));
    } else if (t.endsWith("B")) {
      t = t.substring(0, t.length() - 1);
    }
    try {
      return Math.multiplyExact(Integer.parseInt(t), mult);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 4096, 64K, 1M)");
    }
  }

  /** Whether implementation {@code impl} is to run (always, unless {@code --impl} narrowed it). */
  boolean wants(String impl) {
    return impls.isEmpty() || impls.contains(impl);
  }

  boolean runs(String scenario) {
    return scenarios.contains(scenario);
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
