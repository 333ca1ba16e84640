package dev.zerowire.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./zerowire bench jmh [JMH args]}: the JMH micro-benchmarks of zerowire's hot pieces
 * (blight header encode/decode and stream decoding, the in-flight table, the JNA sendmsg path on
 * an AF_UNIX socketpair). Without arguments it runs all of them with short iterations (one fork,
 * 2 x 0.5 s warm-up, 3 x 1 s measurement); with arguments, they go to JMH's own command line
 * (e.g. {@code -f 3 -wi 5 -i 10 InFlight}).
 */
@Command(name = "jmh", mixinStandardHelpOptions = true,
    description = "JMH micro-benchmarks; no args: all of them, short iterations; args: passed to JMH "
        + "(e.g. -f 1 -wi 2 -i 3 SendmsgBench; JMH's own help: -lprof, -l).")
public final class JmhCommand implements Callable<Integer> {
  /** Every benchmark class of ours matches this. */
  static final String ALL = "dev\\.zerowire\\..*Bench.*";

  /** Everything after {@code jmh}, options included, goes to JMH unparsed. */
  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    BenchCommand.quietLogging();
    if (args.isEmpty()) {
      return runDefaults(null);
    }
    org.openjdk.jmh.Main.main(args.toArray(String[]::new)); // JMH's CLI: it exits the JVM itself
    return 0;
  }

  /** Short default iterations over all benchmarks, or those whose name matches one of {@code filters}. */
  static int runDefaults(List<String> filters) throws Exception {
    ChainedOptionsBuilder b = new OptionsBuilder()
        .forks(1)
        .warmupIterations(2)
        .warmupTime(TimeValue.milliseconds(500))
        .measurementIterations(3)
        .measurementTime(TimeValue.seconds(1))
        .jvmArgs(forkFlags());
    if (filters == null || filters.isEmpty()) {
      b.include(ALL);
    } else {
      filters.forEach(b::include);
    }
    new Runner(b.build()).run();
    return 0;
  }

  /** The forked JVM needs the same native-access and module flags as this one. */
  static String[] forkFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--add-opens")
            || a.startsWith("--sun-misc-unsafe-memory-access") || a.startsWith("-Xmx") || a.startsWith("-Xms"))
        .toArray(String[]::new);
  }
}
