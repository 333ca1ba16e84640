package dev.zerowire.samples;

import java.io.PrintStream;

/**
 * A one-line progress bar on the terminal, redrawn at most ten times a second. Silent when the
 * output is not a terminal (a pipe, a file, CI) or when JSON was asked for, so machine output
 * stays clean.
 */
public final class Progress {
  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean enabled;
  private final long startNanos = System.nanoTime();
  private long lastDraw;

  public Progress(String label, long total, boolean enabled) {
    this.out = System.err;
    this.label = label;
    this.total = Math.max(1, total);
    this.enabled = enabled && System.console() != null;
  }

  /** Shows {@code done} of the total (thread-safe enough: a torn redraw is only cosmetic). */
  public void update(long done) {
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < 100_000_000L && done < total) {
      return;
    }
    lastDraw = now;
    int width = 30;
    int filled = (int) (width * Math.min(done, total) / total);
    double secs = (now - startNanos) / 1e9;
    out.printf("\r%s [%s%s] %d/%d %5.1f s", label, "#".repeat(filled), ".".repeat(width - filled), done, total, secs);
    out.flush();
  }

  /** Ends the line. */
  public void finish() {
    if (enabled) {
      update(total);
      out.println();
    }
  }
}
