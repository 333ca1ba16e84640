package dev.zerowire.samples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./zerowire} command line: one CLI, a subcommand per program. */
@Command(name = "zerowire", mixinStandardHelpOptions = true, version = "zerowire 0.1.0",
    description = "Zero-copy messaging for Pekko Typed actors on Linux.",
    subcommands = {CommandLine.HelpCommand.class, DemoCommand.class, StreamCommand.class, ProbeCommand.class,
        BlightServerCommand.class, BlightClientCommand.class, TrainCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // SLF4J reports, as a warning, that it replayed a log call made while logback started up;
    // the launcher passes this as -D, and java -jar zerowire.jar has no other place for it.
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "ERROR");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * The CLI with one error rule: a bad argument or a failure prints one line naming the command
   * and what was wrong, not a stack trace and not the usage block. Bad input (picocli's parse
   * errors and an IllegalArgumentException from a command) exits 2 and points at {@code --help};
   * a failure exits 1.
   */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.addSubcommand("bench", benchCommand());
    cl.setParameterExceptionHandler((e, args) -> {
      CommandLine cmd = e.getCommandLine();
      cmd.getErr().println(usageError(cmd, e.getMessage()));
      return 2;
    });
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      String message = e.getMessage() != null ? e.getMessage() : e.toString();
      if (e instanceof IllegalArgumentException) {
        cmd.getErr().println(usageError(cmd, message));
        return 2;
      }
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + message);
      return 1;
    });
    return cl;
  }

  /** The class of {@code zerowire bench}, in the bench module (bench/) when that is on the classpath. */
  static final String BENCH_COMMAND = "dev.zerowire.bench.BenchCommand";

  /**
   * {@code bench}, when the bench module is on the classpath (as {@code ./zerowire} runs it), or a
   * stand-in that says where it is. The benchmark needs Netty, JMH and xchart; keeping it out of
   * this module keeps {@code zerowire.jar} and the CLI's dependencies lean.
   */
  static Object benchCommand() {
    try {
      return Class.forName(BENCH_COMMAND).getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException e) {
      return new BenchElsewhere();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create " + BENCH_COMMAND, e);
    }
  }

  @Command(name = "bench", description = "Benchmarks: a module of their own (bench/). Run them with ./zerowire bench.")
  static final class BenchElsewhere implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Unmatched java.util.List<String> ignored;

    @Override
    public Integer call() {
      System.err.println("zerowire bench: the benchmarks are not in this jar (they need Netty, JMH and xchart);"
          + " run them from a source tree with ./zerowire bench");
      return 2;
    }
  }

  /** {@code zerowire demo: Unknown option: '--bogus' (see 'zerowire demo --help')}. */
  static String usageError(CommandLine cmd, String message) {
    String name = cmd.getCommandSpec().qualifiedName();
    return name + ": " + message + " (see '" + name + " --help')";
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
