package dev.zerowire.samples;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place with a carriage return, at most ten times a second.
 * Only for terminals: {@link #forTerminal} gives a silent bar when stdout is not one
 * ({@code System.console() == null}) or output must stay machine-readable. Thread-safe: an actor
 * may update it while the main thread finishes it; nothing is drawn after {@link #finish}.
 */
final class ProgressBar {
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final long total;
  private final long bytesPerUnit;
  private final long startNanos = System.nanoTime();
  private long lastDrawNanos;
  private boolean finished;

  private ProgressBar(PrintStream out, long total, long bytesPerUnit) {
    this.out = out;
    this.total = total;
    this.bytesPerUnit = bytesPerUnit;
  }

  /** A bar on stdout when it is a terminal and {@code enabled}; otherwise one that draws nothing. */
  static ProgressBar forTerminal(boolean enabled, long total, long bytesPerUnit) {
    return new ProgressBar(enabled && System.console() != null ? System.out : null, total, bytesPerUnit);
  }

  /** {@code done} of the total are complete. */
  synchronized void update(long done) {
    long now = System.nanoTime();
    if (out == null || finished || now - lastDrawNanos < 100_000_000L) {
      return;
    }
    lastDrawNanos = now;
    double frac = total == 0 ? 1 : Math.min(1, (double) done / total);
    int fill = (int) Math.round(frac * WIDTH);
    double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
    out.print(String.format(Locale.ROOT, "\r[%s%s] %3d%%  %d/%d  %.1f MB/s ", "#".repeat(fill),
        ".".repeat(WIDTH - fill), Math.round(frac * 100), done, total, done * bytesPerUnit / 1e6 / seconds));
    out.flush();
  }

  /** Clears the line; later updates draw nothing. */
  synchronized void finish() {
    if (out != null && !finished && lastDrawNanos != 0) {
      out.print("\r" + " ".repeat(WIDTH + 50) + "\r");
      out.flush();
    }
    finished = true;
  }
}
