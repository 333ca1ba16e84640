package dev.zerowire.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Context switches of every live thread of this process, from {@code /proc/self/task/*}/status
 * (voluntary + involuntary): how often threads block and wake. Hand-offs between threads (poller,
 * dispatcher pools, event loops) show up here before they show up anywhere else.
 */
final class ContextSwitches {
  private static final Path TASKS = Path.of("/proc/self/task");

  private ContextSwitches() {}

  /** The sum now, or -1 where /proc cannot be read. */
  static long total() {
    long sum = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
      for (Path t : tasks) {
        try {
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException | NumberFormatException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return sum;
  }
}
