package dev.zerowire.bench;

/** One benchmark scenario: runs its implementations and adds rows and skips to the context's report. */
interface Scenario {
  /** The name used by {@code --only} and in the results, e.g. {@code stream-tcp}. */
  String name();

  /** One line for the progress output. */
  String title();

  /** Runs the scenario. An exception here skips whatever was not measured yet, with its message. */
  void run(BenchContext ctx) throws Exception;
}
