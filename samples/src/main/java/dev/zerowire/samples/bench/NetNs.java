package dev.zerowire.samples.bench;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private network namespace with an {@code ifb} device for the true-zerocopy scenario: the one
 * place on a machine without a real NIC where MSG_ZEROCOPY sends complete without a copy (ifb
 * drops what it is sent; this kernel has no {@code dummy} driver). Made with {@code ip netns add},
 * deleted by {@link #close()} whatever happened, and by a shutdown hook if the JVM exits first.
 * Nothing sent there leaves it.
 *
 * <p>Sockets are created inside by a thread that {@code setns(2)}s into the namespace first: a
 * socket stays in the namespace it was created in, whatever thread uses it later. That binding
 * (open, setns, close) is this class's own, not native-io's.
 */
final class NetNs implements AutoCloseable {
  /** setns(2) nstype: a network namespace (include/uapi/linux/sched.h). */
  static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000; // include/uapi/asm-generic/fcntl.h: 02000000

  static final String DEVICE = "ifb0";
  static final String LOCAL = "10.99.0.1";
  static final String REMOTE = "10.99.0.2";

  /** Raw libc, direct-mapped like native-io's LibC. */
  private static final class Sys {
    static {
      Native.register(Sys.class, Platform.C_LIBRARY_NAME);
    }

    /** @see <a href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a> */
    static native int open(String path, int flags) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a> */
    static native int setns(int fd, int nstype) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/close.2.html">close(2)</a> */
    static native int close(int fd);
  }

  private final String name;
  private final String ip;
  private final Thread cleanup;
  private boolean deleted;

  private NetNs(String name, String ip) {
    this.name = name;
    this.ip = ip;
    this.cleanup = new Thread(this::delete, "bench-netns-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  String name() {
    return name;
  }

  /** Null when this process can make network namespaces, else why not. */
  static String unavailable() {
    long uid = uid();
    if (uid != 0) {
      return "needs root to create network namespaces (ip netns add, setns); running as uid " + uid;
    }
    if (ipCommand() == null) {
      return "the 'ip' command (iproute2) is not installed";
    }
    return null;
  }

  /** Makes namespace {@code name} with lo up and ifb0 (MTU 65535, 10.99.0.1/24, up). */
  static NetNs create(String name) throws IOException {
    NetNs ns = new NetNs(name, ipCommand());
    try {
      ns.ip("netns", "add", name);
      ns.ip("-n", name, "link", "set", "lo", "up");
      try {
        ns.ip("-n", name, "link", "add", DEVICE, "type", "ifb");
      } catch (IOException first) {
        try {
          run(List.of("modprobe", "ifb")); // the module may just not be loaded yet
        } catch (IOException e) {
          throw first;
        }
        ns.ip("-n", name, "link", "add", DEVICE, "type", "ifb");
      }
      ns.ip("-n", name, "link", "set", DEVICE, "mtu", "65535", "up");
      ns.ip("-n", name, "addr", "add", LOCAL + "/24", "dev", DEVICE);
      return ns;
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  /**
   * A UDP socket created inside the namespace, bound to {@code local} and connected to {@code
   * remote}. Made on a platform thread of its own that joins the namespace and then ends, so no
   * other thread of the JVM ever changes namespace.
   */
  NativeSocket udpSocket(InetSocketAddress local, InetSocketAddress remote) throws Exception {
    CompletableFuture<NativeSocket> made = new CompletableFuture<>();
    Thread t = Thread.ofPlatform().name("bench-netns-" + name).start(() -> {
      NativeSocket s = null;
      try {
        int fd = Sys.open("/var/run/netns/" + name, O_RDONLY | O_CLOEXEC);
        try {
          Sys.setns(fd, CLONE_NEWNET);
        } finally {
          Sys.close(fd);
        }
        s = NativeSocket.udp4();
        s.bind(local);
        s.connect(remote);
        made.complete(s);
      } catch (Throwable e) {
        if (s != null) {
          s.close();
        }
        made.completeExceptionally(e);
      }
    });
    t.join(10_000);
    return made.get(1, TimeUnit.SECONDS);
  }

  /** Packets that reached ifb0 (and were dropped there), from the device's counters. */
  long devicePackets() throws IOException {
    String out = ip("-n", name, "-s", "link", "show", "dev", DEVICE);
    // "RX:  bytes packets errors dropped ..." then the numbers on the next line
    Matcher m = Pattern.compile("RX:[^\\n]*\\n\\s*(\\d+)\\s+(\\d+)").matcher(out);
    if (!m.find()) {
      throw new IOException("no RX counters in: " + out);
    }
    return Long.parseLong(m.group(2));
  }

  private String ip(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ip);
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  private static String run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": no answer in 10 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", cmd) + ": interrupted", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
    }
    return out;
  }

  private synchronized void delete() {
    if (deleted) {
      return;
    }
    deleted = true;
    try {
      run(List.of(ip, "netns", "del", name));
    } catch (IOException e) {
      if (Files.exists(Path.of("/var/run/netns", name))) {
        System.err.println("could not delete network namespace " + name + ": " + e.getMessage());
      }
    }
  }

  /** Deletes the namespace (and with it ifb0). Idempotent. */
  @Override
  public void close() {
    delete();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (or ran) delete, which is idempotent
    }
  }

  static String ipCommand() {
    for (String p : List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  static long uid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).trim().split("\\s+")[1]); // effective uid
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return -1;
  }
}
