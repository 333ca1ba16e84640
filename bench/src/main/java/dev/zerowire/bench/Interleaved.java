package dev.zerowire.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs contenders interleaved, A B C A B C ..., so that slow drifts of a shared machine (another
 * job starting, thermal state, page cache) spread over every implementation instead of landing on
 * whichever happened to run last. Each contender is warmed up first; then each repetition runs
 * every contender once, in the same order.
 *
 * <p>A contender that throws is dropped from the remaining repetitions and reported as skipped
 * with its error; the others carry on. Every contender is closed at the end.
 */
final class Interleaved {
  private Interleaved() {}

  /** Runs and closes {@code contenders}; adds rows (and skips for failures) to {@code report}. */
  static void run(String scenario, String param, List<? extends Contender> contenders, BenchPlan plan,
      Progress progress, Report report) {
    List<Contender> live = new ArrayList<>(contenders);
    Map<Contender, List<Sample>> samples = new LinkedHashMap<>();
    try {
      for (Contender c : contenders) {
        samples.put(c, new ArrayList<>());
        try {
          progress.step(scenario, param, c.impl(), "warm-up " + BenchPlan.seconds(plan.warmup()));
          c.warmUp(plan.warmup());
        } catch (Exception | Error e) {
          fail(scenario, param, c, e, live, progress, report);
        }
      }
      for (int rep = 1; rep <= plan.reps(); rep++) {
        for (Contender c : List.copyOf(live)) {
          try {
            Sample s = c.measure(plan.measure());
            samples.get(c).add(s);
            progress.rep(scenario, param, c.impl(), rep, plan.reps(), s);
          } catch (Exception | Error e) {
            fail(scenario, param, c, e, live, progress, report);
          }
        }
      }
      for (Contender c : live) {
        report.addAll(aggregate(scenario, param, c.impl(), samples.get(c)));
      }
    } finally {
      for (Contender c : contenders) {
        try {
          c.close();
        } catch (Exception e) {
          progress.note("closing " + c.impl() + ": " + e);
        }
      }
    }
  }

  private static void fail(String scenario, String param, Contender c, Throwable e, List<Contender> live,
      Progress progress, Report report) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    live.remove(c);
    String reason = c.impl() + " (" + param + ") failed: " + describe(e);
    progress.note(scenario + ": " + reason);
    report.failure(new Skipped(scenario, reason));
  }

  static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** Rows for one contender: per unit median/min/max; CPU, allocation and extras on the primary row. */
  static List<Row> aggregate(String scenario, String param, String impl, List<Sample> samples) {
    List<Row> rows = new ArrayList<>();
    if (samples.isEmpty()) {
      return rows;
    }
    Sample first = samples.get(0);
    String primary = first.primaryUnit();
    for (String unit : first.metrics().keySet()) {
      double[] v = samples.stream().mapToDouble(s -> s.metrics().getOrDefault(unit, Double.NaN)).toArray();
      boolean isPrimary = unit.equals(primary);
      Double cpu = isPrimary ? medianOrNull(samples.stream().mapToDouble(Sample::cpuSPerGib).toArray()) : null;
      Double alloc = isPrimary ? medianOrNull(samples.stream().mapToDouble(Sample::allocPerMessage).toArray()) : null;
      String source = isPrimary && first.cpu() != null ? first.cpu().source().label() : null;
      Map<String, Double> extra = new LinkedHashMap<>();
      if (isPrimary) {
        for (String k : first.extras().keySet()) {
          Double m = medianOrNull(samples.stream().mapToDouble(s -> s.extras().getOrDefault(k, Double.NaN)).toArray());
          if (m != null) {
            extra.put(k, m);
          }
        }
        Double nsPerMsg = medianOrNull(samples.stream().mapToDouble(Sample::cpuNanosPerMessage).toArray());
        if (nsPerMsg != null) {
          extra.put("cpu_ns_per_msg", nsPerMsg);
        }
      }
      double[] finite = java.util.Arrays.stream(v).filter(Double::isFinite).toArray();
      if (finite.length == 0) {
        continue;
      }
      rows.add(new Row(scenario, impl, param, unit, Stats.median(finite), Stats.min(finite), Stats.max(finite),
          cpu, alloc, cpu != null || alloc != null ? source : null, finite.length, extra));
    }
    return rows;
  }

  private static Double medianOrNull(double[] v) {
    double[] finite = java.util.Arrays.stream(v).filter(Double::isFinite).toArray();
    return finite.length == 0 ? null : Stats.median(finite);
  }
}
