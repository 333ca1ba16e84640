package dev.zerowire.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the bench starts as a peer of its own (blight-xproc): the same java binary, classpath and
 * JVM flags as the running bench, minus agents, JFR and debugging (a profiler attached to the bench
 * must not be attached to, or fight over ports with, its children). stdout and stderr are read by
 * two daemon threads as lines, so a chatty child never blocks on a full pipe.
 *
 * <p>What must stay true: every wait has a timeout, and {@link #close()} always ends the process
 * (a polite destroy, then destroyForcibly after the grace), so a peer that hangs or dies can never
 * hang the bench.
 */
final class ChildJvm implements AutoCloseable {
  /** A child that ended, or did not answer, before giving what was asked of it. */
  static final class Failed extends Exception {
    Failed(String message) {
      super(message);
    }
  }

  private final String name;
  private final Process process;
  private final Duration grace;
  private final List<String> out = new ArrayList<>();
  private final List<String> err = new ArrayList<>();

  private ChildJvm(String name, Process process, Duration grace) {
    this.name = name;
    this.process = process;
    this.grace = grace;
    reader(process.getInputStream(), out, name + "-stdout").start();
    reader(process.getErrorStream(), err, name + "-stderr").start();
  }

  /** Starts {@code mainClass} with {@code args} in a child JVM; {@code grace} is what close() allows it to exit. */
  static ChildJvm start(String name, String mainClass, List<String> args, Duration grace) throws IOException {
    return start(name, List.of(), mainClass, args, grace);
  }

  /** The same, with {@code prefix} (e.g. {@code taskset -c 0}) before the java command. */
  static ChildJvm start(String name, List<String> prefix, String mainClass, List<String> args, Duration grace)
      throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(javaBinary());
    cmd.addAll(inheritedFlags(ManagementFactory.getRuntimeMXBean().getInputArguments()));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    return new ChildJvm(name, new ProcessBuilder(cmd).start(), grace);
  }

  /** The java this JVM runs on. */
  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** The bench's JVM flags a child gets: everything but agents, JFR and debugger options. */
  static List<String> inheritedFlags(List<String> flags) {
    List<String> keep = new ArrayList<>();
    for (String f : flags) {
      boolean profiling = f.startsWith("-agentlib") || f.startsWith("-agentpath") || f.startsWith("-javaagent")
          || f.startsWith("-Xrunjdwp") || f.equals("-Xdebug") || f.startsWith("-XX:StartFlightRecording")
          || f.startsWith("-XX:FlightRecorderOptions") || f.equals("-XX:+FlightRecorder");
      if (!profiling) {
        keep.add(f);
      }
    }
    return keep;
  }

  private static Thread reader(InputStream in, List<String> into, String threadName) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (into) {
            into.add(line);
            into.notifyAll();
          }
        }
      } catch (IOException e) {
        // the process went away: what was read stays
      } finally {
        synchronized (into) {
          into.add(null); // end of stream
          into.notifyAll();
        }
      }
    }, threadName);
    t.setDaemon(true);
    return t;
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * The first stderr line containing {@code marker}, waiting at most {@code timeout}.
   *
   * @throws Failed when the child's stderr ends (it exited) or the time runs out first
   */
  String awaitStderr(String marker, Duration timeout) throws Failed, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (err) {
      int seen = 0;
      while (true) {
        for (; seen < err.size(); seen++) {
          String line = err.get(seen);
          if (line == null) {
            throw new Failed(name + " ended before saying '" + marker + "'" + exitAndTail());
          }
          if (line.contains(marker)) {
            return line;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new Failed(name + " did not say '" + marker + "' within " + BenchPlan.seconds(timeout) + exitAndTail());
        }
        TimeUnit.NANOSECONDS.timedWait(err, left);
      }
    }
  }

  /**
   * Waits at most {@code timeout} for the child to exit and returns its last stdout line that is
   * a JSON object (the one result the peers print).
   *
   * @throws Failed when it does not exit in time (it is then killed) or prints no JSON object
   */
  String awaitJson(Duration timeout) throws Failed, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new Failed(name + " did not finish within " + BenchPlan.seconds(timeout) + " and was killed" + exitAndTail());
    }
    awaitEnd(out, Duration.ofSeconds(5)); // the reader may still hold the last line
    String json = null;
    synchronized (out) {
      for (String line : out) {
        if (line != null && line.startsWith("{")) {
          json = line;
        }
      }
    }
    if (json == null) {
      throw new Failed(name + " exited with code " + process.exitValue() + " without a result" + exitAndTail());
    }
    return json;
  }

  private static void awaitEnd(List<String> lines, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (lines.isEmpty() || lines.get(lines.size() - 1) != null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(lines, left);
      }
    }
  }

  /** ", exit code N" when it ended, and the last stderr lines: what a reader needs to see why. */
  private String exitAndTail() {
    StringBuilder b = new StringBuilder();
    if (!process.isAlive()) {
      b.append(" (exit code ").append(process.exitValue()).append(')');
    }
    synchronized (err) {
      List<String> lines = err.stream().filter(l -> l != null && !l.contains("|-")).toList(); // logback's own status
      if (!lines.isEmpty()) {
        b.append("; stderr: ").append(String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
      }
    }
    return b.toString();
  }

  /** Ends the process: destroy, then destroyForcibly after the grace. Idempotent. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
