package dev.zerowire.actors;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A private network namespace a test makes and removes itself (ip-netns(8)), and a way to open
 * sockets inside it: a platform thread joins it with setns(2) and creates them there; a socket
 * stays in the namespace it was created in. Traffic never leaves the namespace.
 */
final class TestNetns implements AutoCloseable {
  static {
    Native.register(TestNetns.class, Platform.C_LIBRARY_NAME);
  }

  private static final int CLONE_NEWNET = 0x40000000; // include/uapi/linux/sched.h

  private static native int setns(int fd, int nstype);

  private static native int open(String path, int flags);

  private static native int close(int fd);

  final String name;

  private TestNetns(String name) {
    this.name = name;
  }

  /** Why namespaces cannot be made here, or null when they can. */
  static String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "creating a network namespace needs root; running as " + System.getProperty("user.name");
    }
    if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
        && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
      return "the ip command (iproute2) is not installed";
    }
    return null;
  }

  /** Makes namespace {@code name} with lo up, then runs each {@code ip -n name ...} / sysctl command. */
  static TestNetns create(String name, List<List<String>> setup) throws IOException, InterruptedException {
    run(List.of("ip", "netns", "add", name));
    TestNetns ns = new TestNetns(name);
    try {
      run(List.of("ip", "-n", name, "link", "set", "lo", "up"));
      for (List<String> cmd : setup) {
        List<String> full = new java.util.ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(cmd);
        run(full);
      }
      return ns;
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  /** Runs {@code body} on a platform thread that has joined this namespace. */
  <T> T inside(Callable<T> body) throws Exception {
    Object[] result = new Object[1];
    Exception[] failure = new Exception[1];
    Thread t = Thread.ofPlatform().name("netns-" + name).start(() -> {
      int fd = open("/var/run/netns/" + name, 0x80000); // O_RDONLY | O_CLOEXEC
      if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
        failure[0] = new IOException("setns into " + name + " failed: errno " + Native.getLastError());
        if (fd >= 0) {
          close(fd);
        }
        return;
      }
      close(fd);
      try {
        result[0] = body.call();
      } catch (Exception e) {
        failure[0] = e;
      }
    });
    t.join();
    if (failure[0] != null) {
      throw failure[0];
    }
    @SuppressWarnings("unchecked")
    T r = (T) result[0];
    return r;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    run(List.of("ip", "netns", "del", name));
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
    }
  }
}
