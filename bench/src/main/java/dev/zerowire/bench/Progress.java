package dev.zerowire.bench;

import java.io.PrintStream;
import java.util.Locale;

/** Progress lines on the terminal (stderr, so that {@code --json} output on stdout stays clean). */
final class Progress {
  private final PrintStream out;
  private final long start = System.nanoTime();

  Progress(PrintStream out) {
    this.out = out;
  }

  void scenario(String name, String title) {
    line("== " + name + ": " + title);
  }

  void step(String scenario, String param, String impl, String what) {
    line(String.format(Locale.ROOT, "%-16s %-10s %-20s %s", scenario, param, impl, what));
  }

  void rep(String scenario, String param, String impl, int rep, int reps, Sample s) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "rep %d/%d  %s %s", rep, reps, Report.number(s.primary()), s.primaryUnit()));
    double cpu = s.cpuSPerGib();
    if (Double.isFinite(cpu)) {
      b.append(String.format(Locale.ROOT, "  cpu %.3f s/GiB", cpu));
    }
    s.metrics().entrySet().stream().skip(1)
        .forEach(e -> b.append("  ").append(Report.number(e.getValue())).append(' ').append(e.getKey()));
    step(scenario, param, impl, b.toString());
  }

  void note(String text) {
    line("   " + text);
  }

  private synchronized void line(String text) {
    out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - start) / 1e9, text);
    out.flush();
  }
}
