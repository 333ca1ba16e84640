package dev.zerowire.samples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./zerowire} command line: one CLI, a subcommand per program. */
@Command(name = "zerowire", mixinStandardHelpOptions = true, version = "zerowire 0.1.0",
    description = "Zero-copy messaging for Pekko Typed actors on Linux.",
    subcommands = {CommandLine.HelpCommand.class, DemoCommand.class, StreamCommand.class, ProbeCommand.class,
        BlightServerCommand.class, BlightClientCommand.class, dev.zerowire.samples.bench.BenchCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
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
