package dev.zerowire.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The performance targets, judged against a run's rows. Each verdict says met, missed
 * (with the measured ratio and by how much) or not evaluated (and why: skipped, not run).
 * Medians are compared throughout.
 */
final class Targets {
  private Targets() {}

  enum Status {
    MET("met"), MISSED("MISSED"), NOT_EVALUATED("not evaluated");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  record Verdict(String target, Status status, String detail) {}

  static List<Verdict> evaluate(List<Row> rows, List<Skipped> skipped, BenchPlan plan) {
    List<Verdict> out = new ArrayList<>();
    for (String payload : List.of("4 KiB", "64 KiB", "1 MiB")) { // 4 KiB: issue 10
      ratio(out, rows, skipped, plan, "stream-tcp", payload, Units.MB_S, "zerowire-adaptive", "java-nio", 1.0);
      ratio(out, rows, skipped, plan, "stream-tcp", payload, Units.MB_S, "zerowire-adaptive", "netty-epoll", 1.0);
      if (!payload.equals("4 KiB")) {
        ratio(out, rows, skipped, plan, "stream-tcp", payload, Units.MB_S, "zerowire-adaptive", "pekko-io", 2.0);
      }
    }
    for (String payload : List.of("4 KiB", "64 KiB")) {
      ratio(out, rows, skipped, plan, "echo", payload, Units.MB_S, "zerowire", "netty-epoll", 1.0);
    }
    trueZeroCopy(out, rows, skipped, plan);
    smallMessages(out, rows, skipped, plan);
    roundTrip(out, rows, skipped, plan);
    xproc(out, rows, skipped, plan);
    manyConnections(out, rows, skipped, plan);
    return out;
  }

  /** {@code impl}'s median >= {@code needed} x {@code other}'s: for rates, where higher is better. */
  private static void ratio(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan, String scenario,
      String param, String unit, String impl, String other, double needed) {
    compare(out, rows, skipped, plan, scenario, param, unit, impl, other, needed, true);
  }

  /**
   * {@code impl}'s median against {@code other}'s of the same scenario, param and unit: at least
   * {@code bound} times it ({@code atLeast}, rates) or at most (latencies).
   */
  private static void compare(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan,
      String scenario, String param, String unit, String impl, String other, double bound, boolean atLeast) {
    String target = atLeast
        ? String.format(Locale.ROOT, "%s %s: %s >= %.1fx %s", scenario, param, impl, bound, other)
        : String.format(Locale.ROOT, "%s %s %s: %s <= %.1fx %s", scenario, param, unit, impl, bound, other);
    Optional<Row> a = find(rows, scenario, impl, param, unit);
    Optional<Row> b = find(rows, scenario, other, param, unit);
    if (a.isEmpty() || b.isEmpty()) {
      out.add(notEvaluated(target, scenario, skipped, plan));
      return;
    }
    double r = a.get().median() / b.get().median();
    String detail = atLeast
        ? String.format(Locale.ROOT, "%s %s / %s %s = %.2fx", Report.number(a.get().median()), unit,
            Report.number(b.get().median()), unit, r)
        : String.format(Locale.ROOT, "%s / %s %s = %.2fx", Report.number(a.get().median()),
            Report.number(b.get().median()), unit, r);
    out.add(verdict(target, detail, r, bound, atLeast));
  }

  /** MET when {@code r} is at least (or at most) {@code bound}; MISSED says by how much it is not. */
  private static Verdict verdict(String target, String detail, double r, double bound, boolean atLeast) {
    if (atLeast ? r >= bound : r <= bound) {
      return new Verdict(target, Status.MET, detail);
    }
    return new Verdict(target, Status.MISSED, detail + (atLeast
        ? String.format(Locale.ROOT, ", %.0f%% short of %.1fx", (1 - r / bound) * 100, bound)
        : String.format(Locale.ROOT, ", %.0f%% above %.1fx", (r / bound - 1) * 100, bound)));
  }

  private static void trueZeroCopy(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan) {
    String s = "true-zerocopy";
    cpuAtMost(out, rows, skipped, plan, "zerowire-zerocopy", "zerowire-copy", 0.9);
    // issue 10: the actor tax on CPU per byte where zero copy is real (the same syscalls from one thread)
    cpuAtMost(out, rows, skipped, plan, "zerowire-zerocopy", "floor-zerocopy", 1.3);
    String t2 = "true-zerocopy: < 1% of zero-copy completions COPIED";
    Optional<Row> copied = rows.stream().filter(r -> r.scenario().equals(s) && r.impl().equals("zerowire-zerocopy")
        && r.unit().equals(Units.COPIED_PERCENT)).findFirst();
    if (copied.isEmpty()) {
      out.add(notEvaluated(t2, s, skipped, plan));
    } else {
      double max = copied.get().max();
      String d = String.format(Locale.ROOT, "COPIED %.3f%% (worst repetition %.3f%%)", copied.get().median(), max);
      out.add(max < 1.0 ? new Verdict(t2, Status.MET, d) : new Verdict(t2, Status.MISSED, d));
    }
  }

  /** true-zerocopy: {@code impl}'s CPU s/GiB <= {@code allowed} x {@code other}'s. */
  private static void cpuAtMost(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan,
      String impl, String other, double allowed) {
    String s = "true-zerocopy";
    String t = String.format(Locale.ROOT, "%s: %s CPU/GiB <= %.1fx %s", s, impl, allowed, other);
    Optional<Row> a = rows.stream().filter(r -> r.scenario().equals(s) && r.impl().equals(impl)
        && r.unit().equals(Units.MB_S)).findFirst();
    Optional<Row> b = rows.stream().filter(r -> r.scenario().equals(s) && r.impl().equals(other)
        && r.unit().equals(Units.MB_S)).findFirst();
    if (a.isEmpty() || b.isEmpty() || a.get().cpuSPerGib() == null || b.get().cpuSPerGib() == null) {
      out.add(notEvaluated(t, s, skipped, plan));
      return;
    }
    double r = a.get().cpuSPerGib() / b.get().cpuSPerGib();
    String d = String.format(Locale.ROOT, "%.3f / %.3f CPU s/GiB = %.2fx", a.get().cpuSPerGib(), b.get().cpuSPerGib(), r);
    out.add(verdict(t, d, r, allowed, false));
  }

  private static void smallMessages(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan) {
    String s = "small-messages";
    String t1 = "small-messages unix: zerowire blight client >= 1,000,000 msg/s";
    String t2 = "small-messages unix: zerowire blight client >= 10x naive-two-writes";
    Optional<Row> zw = rows.stream().filter(r -> r.scenario().equals(s) && r.impl().startsWith("zerowire")
        && r.param().equals("unix") && r.unit().equals(Units.MSG_S)).findFirst();
    Optional<Row> naive = find(rows, s, "naive-two-writes", "unix", Units.MSG_S);
    if (zw.isEmpty()) {
      out.add(notEvaluated(t1, s, skipped, plan));
      out.add(notEvaluated(t2, s, skipped, plan));
      return;
    }
    double m = zw.get().median();
    String d1 = String.format(Locale.ROOT, "%s msg/s", Report.number(m));
    out.add(m >= 1_000_000 ? new Verdict(t1, Status.MET, d1)
        : new Verdict(t1, Status.MISSED, d1 + String.format(Locale.ROOT, ", %.0f%% short", (1 - m / 1e6) * 100)));
    String t3 = "small-messages unix: zerowire blight client >= 1,500,000 msg/s (issue 10)";
    out.add(m >= 1_500_000 ? new Verdict(t3, Status.MET, d1)
        : new Verdict(t3, Status.MISSED, d1 + String.format(Locale.ROOT, ", %.0f%% short", (1 - m / 1.5e6) * 100)));
    if (naive.isEmpty()) {
      out.add(notEvaluated(t2, s, skipped, plan));
    } else {
      double r = m / naive.get().median();
      String d2 = String.format(Locale.ROOT, "%s / %s msg/s = %.1fx", Report.number(m), Report.number(naive.get().median()), r);
      out.add(r >= 10 ? new Verdict(t2, Status.MET, d2) : new Verdict(t2, Status.MISSED, d2));
    }
  }

  private static void roundTrip(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan) {
    String s = "round-trip";
    String t = "round-trip unix: zerowire blight client p99 < 200 us";
    Optional<Row> zw = rows.stream().filter(r -> r.scenario().equals(s) && r.impl().startsWith("zerowire")
        && r.param().equals("unix") && r.unit().equals(Units.US_P99)).findFirst();
    if (zw.isEmpty()) {
      out.add(notEvaluated(t, s, skipped, plan));
      return;
    }
    double p99 = zw.get().median();
    String d = String.format(Locale.ROOT, "p99 %.1f us (median of repetitions; worst %.1f us)", p99, zw.get().max());
    out.add(p99 < 200 ? new Verdict(t, Status.MET, d) : new Verdict(t, Status.MISSED, d));
    // issue 10: the actor tax on a round trip, against the one-thread floor with the same syscalls
    atMost(out, rows, skipped, plan, s, "unix", Units.US_P50, ZeroWireBlightClient.IMPL, FloorBlightClient.IMPL, 1.3);
    atMost(out, rows, skipped, plan, s, "unix", Units.US_P99, ZeroWireBlightClient.IMPL, FloorBlightClient.IMPL, 2.0);
  }

  /**
   * Issue 10's cross-process targets, over the Unix socket (the display server's transport):
   * zerowire client and server warm Info round trips >= 15,000/s; their latency against the floor
   * pair's (p50 <= 1.3x, p99 <= 2x); 64 KiB Repaints >= 0.9x the floor with zerowire on either side;
   * a fresh zerowire client's first Info round trips >= 0.5x its warm rate.
   */
  private static void xproc(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan) {
    String s = XprocScenario.NAME;
    String info = "unix info";
    String t1 = s + " unix: zerowire client <-> zerowire server warm Info >= 15,000 round trips/s";
    Optional<Row> warm = find(rows, s, "zerowire", info, Units.REQ_S);
    if (warm.isEmpty()) {
      out.add(notEvaluated(t1, s, skipped, plan));
    } else {
      double m = warm.get().median();
      String d = String.format(Locale.ROOT, "%s round trips/s", Report.number(m));
      out.add(m >= 15_000 ? new Verdict(t1, Status.MET, d)
          : new Verdict(t1, Status.MISSED, d + String.format(Locale.ROOT, ", %.0f%% short", (1 - m / 15_000) * 100)));
    }
    atMost(out, rows, skipped, plan, s, info, Units.US_P50, "zerowire", "floor-xproc", 1.3);
    atMost(out, rows, skipped, plan, s, info, Units.US_P99, "zerowire", "floor-xproc", 2.0);
    ratio(out, rows, skipped, plan, s, "unix 64 KiB repaint", Units.MB_S, "zerowire-client", "floor-xproc", 0.9);
    ratio(out, rows, skipped, plan, s, "unix 64 KiB repaint", Units.MB_S, "zerowire-server", "floor-xproc", 0.9);
    String t5 = s + " unix cold: zerowire's first 2,000 Info round trips >= 0.5x its warm rate";
    Optional<Row> cold = find(rows, s, "zerowire", info, Units.REQ_S_COLD);
    if (cold.isEmpty() || warm.isEmpty()) {
      out.add(notEvaluated(t5, s, skipped, plan));
    } else {
      double r = cold.get().median() / warm.get().median();
      String d = String.format(Locale.ROOT, "cold %s / warm %s round trips/s = %.2fx", Report.number(cold.get().median()),
          Report.number(warm.get().median()), r);
      out.add(r >= 0.5 ? new Verdict(t5, Status.MET, d) : new Verdict(t5, Status.MISSED, d));
    }
  }

  /** {@code impl}'s median <= {@code allowed} x {@code other}'s: for latencies, where lower is better. */
  private static void atMost(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan, String scenario,
      String param, String unit, String impl, String other, double allowed) {
    compare(out, rows, skipped, plan, scenario, param, unit, impl, other, allowed, false);
  }

  private static void manyConnections(List<Verdict> out, List<Row> rows, List<Skipped> skipped, BenchPlan plan) {
    String s = "many-connections";
    List<Row> tput = rows.stream().filter(r -> r.scenario().equals(s) && r.unit().equals(Units.MB_S)
        && r.impl().startsWith("zerowire")).toList(); // the targets are zerowire's; the floor checks its own counts
    if (tput.isEmpty()) {
      out.add(notEvaluated("many-connections: completes with every payload released", s, skipped, plan));
      out.add(notEvaluated("many-connections: peak heap < 512 MiB", s, skipped, plan));
      return;
    }
    for (Row r : tput) {
      String t1 = "many-connections " + r.impl() + ": completes with every payload released";
      double unreleased = r.extra().getOrDefault("unreleased", Double.NaN);
      double payloads = r.extra().getOrDefault("payloads", Double.NaN);
      String d1 = String.format(Locale.ROOT, "%d repetitions over %s connections, ~%s payloads each, unreleased %s",
          r.reps(), r.param(), Report.number(payloads), Report.number(unreleased));
      out.add(unreleased == 0 ? new Verdict(t1, Status.MET, d1) : new Verdict(t1, Status.MISSED, d1));
      String t2 = "many-connections " + r.impl() + ": peak heap < 512 MiB";
      Optional<Row> heap = find(rows, s, r.impl(), r.param(), Units.MIB_HEAP_PEAK);
      if (heap.isEmpty()) {
        out.add(notEvaluated(t2, s, skipped, plan));
      } else {
        double peak = heap.get().max();
        String d2 = String.format(Locale.ROOT, "peak heap used %.0f MiB (worst repetition; median %.0f MiB)", peak,
            heap.get().median());
        out.add(peak < 512 ? new Verdict(t2, Status.MET, d2) : new Verdict(t2, Status.MISSED, d2));
      }
    }
  }

  private static Verdict notEvaluated(String target, String scenario, List<Skipped> skipped, BenchPlan plan) {
    if (!plan.runs(scenario)) {
      return new Verdict(target, Status.NOT_EVALUATED, "scenario not run (--only)");
    }
    List<String> why = skipped.stream().filter(k -> k.scenario().equals(scenario)).map(Skipped::reason).toList();
    return new Verdict(target, Status.NOT_EVALUATED, why.isEmpty() ? "no rows measured" : String.join("; ", why));
  }

  static Optional<Row> find(List<Row> rows, String scenario, String impl, String param, String unit) {
    return rows.stream().filter(r -> r.scenario().equals(scenario) && r.impl().equals(impl) && r.param().equals(param)
        && r.unit().equals(unit)).findFirst();
  }
}
