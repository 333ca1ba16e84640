package dev.zerowire.nativeio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A private network namespace made and deleted by this process (ip-netns(8)), for tests and
 * benchmarks that need a network of their own: a per-namespace sysctl (net.core.optmem_max), or a
 * device that drops what it is sent (ifb) so MSG_ZEROCOPY completes without copying. Traffic
 * never leaves the namespace.
 *
 * <p>Sockets are made inside it by {@link #inside}: a platform thread of its own joins the
 * namespace with setns(2) and runs the body; a socket stays in the namespace it was created in,
 * and no other thread of the JVM ever changes namespace. The namespace is deleted by {@link
 * #close()}, or by a shutdown hook if the JVM exits first.
 */
public final class NetworkNamespace implements AutoCloseable {
  private final String name;
  private final String ip;
  private final Thread cleanup;
  private boolean deleted;

  private NetworkNamespace(String name, String ip) {
    this.name = name;
    this.ip = ip;
    this.cleanup = new Thread(this::delete, "netns-cleanup-" + name);
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  public String name() {
    return name;
  }

  /** Null when this process can make network namespaces, else why not (for visible skips). */
  public static String unavailableReason() {
    long uid = effectiveUid();
    if (uid != 0) {
      return "creating a network namespace needs root (ip netns add, setns); running as uid " + uid;
    }
    if (ipCommand() == null) {
      return "the ip command (iproute2) is not installed";
    }
    return null;
  }

  /** Makes namespace {@code name} with its loopback up. */
  public static NetworkNamespace create(String name) throws IOException {
    String ip = ipCommand();
    if (ip == null) {
      throw new IOException("the ip command (iproute2) is not installed");
    }
    NetworkNamespace ns = new NetworkNamespace(name, ip);
    try {
      ns.ipCommandLine("netns", "add", name);
      ns.ip("link", "set", "lo", "up");
      return ns;
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  /** Runs {@code ip -n NAME args...} and returns its output. */
  public String ip(String... args) throws IOException {
    List<String> a = new ArrayList<>(List.of("-n", name));
    a.addAll(List.of(args));
    return ipCommandLine(a.toArray(String[]::new));
  }

  /** Runs {@code command} inside the namespace ({@code ip netns exec NAME command...}). */
  public String exec(String... command) throws IOException {
    List<String> a = new ArrayList<>(List.of("netns", "exec", name));
    a.addAll(List.of(command));
    return ipCommandLine(a.toArray(String[]::new));
  }

  /** Runs {@code body} on a platform thread that has joined this namespace; returns its result. */
  public <T> T inside(Callable<T> body) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t = Thread.ofPlatform().name("netns-" + name).start(() -> {
      try {
        int fd = Errors.check("open(/var/run/netns/" + name + ")",
            LibC.open("/var/run/netns/" + name, Kernel.O_RDONLY | Kernel.O_CLOEXEC));
        try {
          Errors.check("setns(CLONE_NEWNET)", LibC.setns(fd, Kernel.CLONE_NEWNET));
        } finally {
          LibC.close(fd);
        }
        result.complete(body.call());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    t.join(30_000);
    return result.get(1, TimeUnit.SECONDS);
  }

  /** Deletes the namespace (and every device in it). Idempotent. */
  @Override
  public void close() {
    delete();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs (or ran) delete, which is idempotent
    }
  }

  private synchronized void delete() {
    if (deleted) {
      return;
    }
    deleted = true;
    try {
      ipCommandLine("netns", "del", name);
    } catch (IOException e) {
      if (Files.exists(Path.of("/var/run/netns", name))) {
        System.err.println("could not delete network namespace " + name + ": " + e.getMessage());
      }
    }
  }

  private String ipCommandLine(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ip));
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  /** Runs {@code cmd}, waiting at most 10 s; its output, or an IOException naming it and why. */
  public static String run(List<String> cmd) throws IOException {
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

  static String ipCommand() {
    for (String p : List.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  /** The effective uid from /proc/self/status (proc(5)), or -1. */
  static long effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
