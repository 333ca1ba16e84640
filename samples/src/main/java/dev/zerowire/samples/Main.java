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
   * and what was wrong (exit 2 for bad input, 1 for a failure), not a stack trace.
   */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      String name = cmd.getCommandSpec().qualifiedName();
      cmd.getErr().println(name + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      return e instanceof IllegalArgumentException ? 2 : 1;
    });
    return cl;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
