package dev.zerowire.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What this machine allows, found by asking the kernel (the basis of {@code ./zerowire probe} and
 * of visible test skips, as junixsocket's AFSocketCapability).
 *
 * @param kernel uname(2) release
 * @param soZeroCopy per socket kind ("tcp4", "unix-stream", ...): SO_ZEROCOPY enabled, or why not
 * @param optmemMax net.core.optmem_max: notification memory per socket; past it ENOBUFS
 * @param memlockSoft RLIMIT_MEMLOCK soft limit in bytes, -1 for unlimited
 * @param memlockHard RLIMIT_MEMLOCK hard limit in bytes, -1 for unlimited
 * @param capIpcLock CAP_IPC_LOCK in the effective set: pinned pages then ignore RLIMIT_MEMLOCK
 */
public record Capabilities(
    String kernel,
    Map<String, ZeroCopySupport> soZeroCopy,
    long optmemMax,
    long memlockSoft,
    long memlockHard,
    boolean capIpcLock) {

  /** Probes the running kernel: opens one socket of each kind and tries SO_ZEROCOPY on it. */
  public static Capabilities probe() throws IOException {
    Map<String, ZeroCopySupport> zc = new LinkedHashMap<>();
    int[][] kinds = {
      {Kernel.AF_INET, Kernel.SOCK_STREAM}, {Kernel.AF_INET6, Kernel.SOCK_STREAM},
      {Kernel.AF_INET, Kernel.SOCK_DGRAM}, {Kernel.AF_INET6, Kernel.SOCK_DGRAM},
      {Kernel.AF_UNIX, Kernel.SOCK_STREAM}, {Kernel.AF_UNIX, Kernel.SOCK_SEQPACKET},
    };
    for (int[] k : kinds) {
      try (NativeSocket s = NativeSocket.open(k[0], k[1])) {
        zc.put(s.kind(), s.setZeroCopy(true));
      } catch (NativeIoException e) { // e.g. no IPv6 in this kernel: EAFNOSUPPORT
        zc.put(kindName(k[0], k[1]), ZeroCopySupport.unsupported(e.errno()));
      }
    }
    long[] rlim = new long[2];
    Errors.check("getrlimit(RLIMIT_MEMLOCK)", LibC.getrlimit(Kernel.RLIMIT_MEMLOCK, rlim));
    return new Capabilities(kernelRelease(), java.util.Collections.unmodifiableMap(zc), readOptmemMax(),
        rlim[0] == Kernel.RLIM_INFINITY ? -1 : rlim[0],
        rlim[1] == Kernel.RLIM_INFINITY ? -1 : rlim[1],
        hasEffectiveCapability(Kernel.CAP_IPC_LOCK));
  }

  /** Whether SO_ZEROCOPY could be enabled on sockets of {@code kind} ("tcp4", ...). */
  public boolean zeroCopy(String kind) {
    ZeroCopySupport s = soZeroCopy.get(kind);
    return s != null && s.enabled();
  }

  private static String kindName(int family, int type) {
    String f = family == Kernel.AF_INET ? "4" : family == Kernel.AF_INET6 ? "6" : "";
    if (family == Kernel.AF_UNIX) {
      return type == Kernel.SOCK_STREAM ? "unix-stream" : "unix-seqpacket";
    }
    return (type == Kernel.SOCK_STREAM ? "tcp" : "udp") + f;
  }

  static String kernelRelease() throws IOException {
    byte[] uts = new byte[6 * 65];
    Errors.check("uname", LibC.uname(uts));
    int start = 2 * 65;
    int end = start;
    while (end < start + 65 && uts[end] != 0) {
      end++;
    }
    return new String(uts, start, end - start, StandardCharsets.US_ASCII);
  }

  /**
   * Reads the sysctl in ONE read(2) from offset 0: an integer sysctl answers EOF to any read at a
   * nonzero offset (kernel/sysctl.c, __do_proc_dointvec), and {@code Files.readString} on a file
   * whose size is 0 reads one byte first and then continues from offset 1, so it returns "1".
   */
  static long readOptmemMax() {
    try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/core/optmem_max"))) {
      byte[] buf = new byte[32];
      int n = in.read(buf);
      return n <= 0 ? -1 : Long.parseLong(new String(buf, 0, n, StandardCharsets.US_ASCII).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Bit {@code cap} of CapEff in /proc/self/status (proc(5)). */
  static boolean hasEffectiveCapability(int cap) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long eff = Long.parseUnsignedLong(line.substring(7).trim(), 16);
          return (eff & (1L << cap)) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false;
    }
    return false;
  }
}
