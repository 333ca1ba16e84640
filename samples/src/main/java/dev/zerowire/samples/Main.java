package dev.zerowire.samples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./zerowire} command line: one CLI, a subcommand per program. */
@Command(name = "zerowire", mixinStandardHelpOptions = true, version = "zerowire 0.1.0",
    description = "Zero-copy messaging for Pekko Typed actors on Linux.",
    subcommands = {CommandLine.HelpCommand.class, dev.zerowire.samples.bench.BenchCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
