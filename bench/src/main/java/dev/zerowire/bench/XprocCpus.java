package dev.zerowire.bench;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Where blight-xproc's child JVMs run: the CPUs of every server and of every client, as {@code
 * taskset -c} lists, or nowhere in particular ({@link #NONE}, the default).
 *
 * <p>Why (issue 10, README Performance "Sixth pass"): on a 2-vCPU VM a round trip whose two ends
 * share a vCPU took ~6 µs for the floor pair and one whose ends sit on two vCPUs ~88 µs, and the
 * guest's scheduler moves the two ends between those placements by itself; unpinned, every latency
 * ratio says more about which placement each run caught than about the implementations. Pinned at
 * start ({@code taskset} before {@code java}, so each JVM sizes itself for the CPUs it is given),
 * floor and zerowire pairs are compared in the same placement.
 *
 * @param server the servers' CPU list (empty: not pinned)
 * @param client the clients' CPU list (empty: not pinned)
 */
record XprocCpus(String server, String client) {
  static final XprocCpus NONE = new XprocCpus("", "");

  private static final Pattern LIST = Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");

  /** {@code SERVER:CLIENT}, each a CPU list such as {@code 0}, {@code 1} or {@code 0-1}. */
  static XprocCpus parse(String text) {
    String[] parts = text.trim().split(":", -1);
    if (parts.length != 2 || !LIST.matcher(parts[0]).matches() || !LIST.matcher(parts[1]).matches()) {
      throw new IllegalArgumentException(
          "--xproc-cpus takes SERVER:CLIENT CPU lists, e.g. 0:0 (one vCPU) or 1:0 (two), was '" + text + "'");
    }
    return new XprocCpus(parts[0], parts[1]);
  }

  boolean pinned() {
    return !server.isEmpty();
  }

  /** What goes before {@code java} for a child on {@code cpus}: nothing, or {@code taskset -c cpus}. */
  static List<String> prefix(String cpus) {
    return cpus.isEmpty() ? List.of() : List.of("taskset", "-c", cpus);
  }

  @Override
  public String toString() {
    return pinned() ? "servers on CPUs " + server + ", clients on CPUs " + client : "not pinned";
  }
}
