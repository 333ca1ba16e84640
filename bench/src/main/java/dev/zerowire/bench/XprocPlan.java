package dev.zerowire.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How much blight-xproc sends. Counts, not durations: the clients are {@code blight-client} and
 * its floor twin, which run message counts ({@code --load TYPE:SIZE:N}); the counts are sized so
 * that quick adds about 40 s to a run and the full plan about 2.5 minutes on two cores. The
 * warm-ups are long enough for the JIT to have compiled both sides' hot paths (issue 10: with 200
 * Repaints of 64 KiB and 1,000 Info a "warm" load still measured mostly compilation, and the
 * bigger program, zerowire's, paid more of it).
 *
 * <p>Each client process runs, on one connection: {@link #cold} Info round trips first (the
 * "cold" figure: a fresh JVM's first round trips), an Info warm-up, {@link #reps} measured Info
 * loads, then for 64 KiB and 36-byte Repaints a warm-up and {@link #reps} measured loads each.
 * {@link #processes} fresh client processes per pair and transport, interleaved across the pairs;
 * a row's repetitions are every measured load of every process (cold: one per process).
 *
 * @param transports the transports to run (both, unless a test narrows them)
 * @param clientTimeout longest a client process may take before it is killed and its pair skipped
 * @param startTimeout longest a server may take to say it listens
 * @param grace what a child gets to exit after a polite destroy before it is killed
 * @param cpus where the servers and the clients run
 */
record XprocPlan(List<BlightTransport> transports, int processes, int reps, long cold, long infoWarmup, long info,
    long bigWarmup, long big, long smallWarmup, long small, Duration clientTimeout, Duration startTimeout,
    Duration grace, XprocCpus cpus) {

  static final int BIG_SIZE = 64 * 1024;
  static final int SMALL_SIZE = 36; // a Repaint's own payload size
  static final int INFO_SIZE = 2; // a uint16 surface id

  XprocPlan {
    transports = List.copyOf(transports);
    if (processes < 1 || reps < 1 || cold < 1 || infoWarmup < 1 || info < 1 || bigWarmup < 1 || big < 1
        || smallWarmup < 1 || small < 1) {
      throw new IllegalArgumentException("every count must be >= 1");
    }
    if (processes * reps < BenchPlan.MIN_REPS) {
      throw new IllegalArgumentException("at least " + BenchPlan.MIN_REPS + " measured loads per row are needed");
    }
  }

  static XprocPlan of(BenchPlan p) {
    return p.quick()
        ? new XprocPlan(List.of(BlightTransport.values()), 1, 3, 2000, 4000, 1000, 1500, 1500, 20_000, 50_000,
            Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(5), p.xprocCpus())
        : new XprocPlan(List.of(BlightTransport.values()), 3, 2, 2000, 6000, 2500, 2000, 1000, 40_000, 100_000,
            Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(5), p.xprocCpus());
  }

  /** Where each load's result sits in a client's {@code loads} list. */
  int coldIndex() {
    return 0;
  }

  int infoIndex(int rep) {
    return 2 + rep;
  }

  int bigIndex(int rep) {
    return 2 + reps + 1 + rep;
  }

  int smallIndex(int rep) {
    return 2 + 2 * (reps + 1) + rep;
  }

  /** The {@code --load} arguments of one client process, in the order the indexes above name. */
  List<String> loadArgs() {
    List<String> a = new ArrayList<>();
    load(a, "info", INFO_SIZE, cold);
    load(a, "info", INFO_SIZE, infoWarmup);
    for (int i = 0; i < reps; i++) {
      load(a, "info", INFO_SIZE, info);
    }
    load(a, "repaint", BIG_SIZE, bigWarmup);
    for (int i = 0; i < reps; i++) {
      load(a, "repaint", BIG_SIZE, big);
    }
    load(a, "repaint", SMALL_SIZE, smallWarmup);
    for (int i = 0; i < reps; i++) {
      load(a, "repaint", SMALL_SIZE, small);
    }
    return a;
  }

  private static void load(List<String> a, String type, int size, long n) {
    a.add("--load");
    a.add(type + ":" + size + ":" + n);
  }

  /** Payload messages and bytes one client process sends (final Pings apart). */
  long messagesPerProcess() {
    return cold + infoWarmup + reps * info + bigWarmup + reps * big + smallWarmup + reps * small;
  }

  long infoPerProcess() {
    return cold + infoWarmup + reps * info;
  }

  long repaintsPerProcess() {
    return bigWarmup + reps * big + smallWarmup + reps * small;
  }

  long bytesPerProcess() {
    return infoPerProcess() * INFO_SIZE + (bigWarmup + reps * big) * (long) BIG_SIZE
        + (smallWarmup + reps * small) * (long) SMALL_SIZE;
  }

  /** Loads per process: each ends with its own final Ping, acked by the server. */
  int loadsPerProcess() {
    return 3 * (reps + 1) + 1;
  }

  XprocPlan withTransports(List<BlightTransport> t) {
    return new XprocPlan(t, processes, reps, cold, infoWarmup, info, bigWarmup, big, smallWarmup, small, clientTimeout,
        startTimeout, grace, cpus);
  }

  XprocPlan withCpus(XprocCpus c) {
    return new XprocPlan(transports, processes, reps, cold, infoWarmup, info, bigWarmup, big, smallWarmup, small,
        clientTimeout, startTimeout, grace, c);
  }
}
