package dev.zerowire.samples;

import dev.zerowire.nativeio.Capabilities;
import dev.zerowire.nativeio.ZeroCopySupport;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./zerowire probe [--json]}: what this machine allows for MSG_ZEROCOPY, as {@link
 * Capabilities#probe()} finds it by asking the kernel (one socket of each kind, SO_ZEROCOPY
 * tried on each) and reading /proc.
 *
 * <p>The JSON form is one object, for scripts and CI:
 * {@code {"kernel":"6.18.0","so_zerocopy":{"tcp4":true,...,"unix-stream":false,...},
 * "optmem_max":131072,"memlock_soft":8388608,"memlock_hard":"unlimited","cap_ipc_lock":false}}.
 * {@code memlock_*} is a number of bytes or the string "unlimited"; {@code optmem_max} is null
 * when /proc/sys/net/core/optmem_max cannot be read.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
    description = {
      "Shows what this machine allows for MSG_ZEROCOPY.",
      "Which socket kinds accept SO_ZEROCOPY (and the errno when not), the kernel release,",
      "net.core.optmem_max (completion memory per socket), RLIMIT_MEMLOCK (pinned pages",
      "for non-root) and CAP_IPC_LOCK (which lifts that limit)."})
public final class ProbeCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Print one JSON object instead of the table.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Capabilities c;
    try {
      c = Capabilities.probe();
    } catch (IOException e) {
      spec.commandLine().getErr().println("probe: " + e.getMessage());
      return 1;
    }
    out.println(json ? toJson(c) : toTable(c));
    out.flush();
    return 0;
  }

  static String toJson(Capabilities c) {
    Map<String, Boolean> zc = new LinkedHashMap<>();
    c.soZeroCopy().forEach((kind, support) -> zc.put(kind, support.enabled()));
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("kernel", c.kernel());
    o.put("so_zerocopy", zc);
    o.put("optmem_max", c.optmemMax() < 0 ? null : c.optmemMax());
    o.put("memlock_soft", limit(c.memlockSoft()));
    o.put("memlock_hard", limit(c.memlockHard()));
    o.put("cap_ipc_lock", c.capIpcLock());
    return JsonOutput.line(o);
  }

  /** A number of bytes, or "unlimited" for RLIM_INFINITY (reported as -1). */
  private static Object limit(long bytes) {
    return bytes < 0 ? "unlimited" : (Object) bytes;
  }

  static String toTable(Capabilities c) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"kernel", c.kernel()});
    for (Map.Entry<String, ZeroCopySupport> e : c.soZeroCopy().entrySet()) {
      ZeroCopySupport s = e.getValue();
      rows.add(new String[] {"SO_ZEROCOPY " + e.getKey(), s.enabled() ? "yes" : "no (" + s + ")"});
    }
    rows.add(new String[] {"net.core.optmem_max", c.optmemMax() < 0 ? "unreadable" : bytes(c.optmemMax())});
    rows.add(new String[] {"RLIMIT_MEMLOCK soft", c.memlockSoft() < 0 ? "unlimited" : bytes(c.memlockSoft())});
    rows.add(new String[] {"RLIMIT_MEMLOCK hard", c.memlockHard() < 0 ? "unlimited" : bytes(c.memlockHard())});
    rows.add(new String[] {"CAP_IPC_LOCK", c.capIpcLock() ? "yes (pinned pages ignore RLIMIT_MEMLOCK)" : "no"});
    int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      if (!b.isEmpty()) {
        b.append('\n');
      }
      b.append(r[0]).append(" ".repeat(width - r[0].length() + 2)).append(r[1]);
    }
    return b.toString();
  }

  /** "131072 bytes (128 KiB)". */
  private static String bytes(long n) {
    String unit = n >= 1 << 30 && n % (1 << 30) == 0 ? (n >> 30) + " GiB"
        : n >= 1 << 20 && n % (1 << 20) == 0 ? (n >> 20) + " MiB"
        : n >= 1 << 10 && n % (1 << 10) == 0 ? (n >> 10) + " KiB"
        : null;
    return n + " bytes" + (unit == null ? "" : " (" + unit + ")");
  }
}
