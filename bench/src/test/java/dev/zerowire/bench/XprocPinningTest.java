package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --xproc-cpus}: blight-xproc's servers and clients start pinned where it says, or not at all. */
class XprocPinningTest {
  @TempDir
  Path dir;

  /** Counts no client finishes before the test has looked at it (it is killed at close). */
  private static XprocPlan endless(XprocCpus cpus) {
    return new XprocPlan(List.of(BlightTransport.UNIX), 1, 3, 100_000_000, 10, 10, 2, 3, 50, 100,
        Duration.ofSeconds(120), Duration.ofSeconds(60), Duration.ofSeconds(5), cpus);
  }

  /**
   * The CPUs a live process may run on, as the kernel says (proc(5): Cpus_allowed_list), once it
   * runs java: a pinned child is {@code taskset} until it sets the mask and execs java (same pid).
   */
  private static String allowedCpus(long pid) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim().equals("taskset")) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("pid " + pid + " still taskset after 20 s");
      }
      Thread.sleep(1);
    }
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("Cpus_allowed_list:")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    throw new AssertionError("no Cpus_allowed_list for " + pid);
  }

  @Test
  void serversAndClientsStartOnTheirCpus() throws Exception {
    assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs two CPUs to tell 1 from 0");
    XprocPlan plan = endless(XprocCpus.parse("1:0"));
    String sock = "unix:" + dir.resolve("pinned.sock");
    try (ChildJvm server = XprocPeer.FLOOR.startServer(List.of(sock), 1, plan)) {
      server.awaitStderr("listening on", plan.startTimeout());
      assertEquals("1", allowedCpus(server.pid()), "the server");
      try (ChildJvm client = XprocPeer.FLOOR.startClient(sock, plan)) {
        assertEquals("0", allowedCpus(client.pid()), "the client");
      }
    }
  }

  @Test
  void unpinnedChildrenRunWhereTheBenchRuns() throws Exception {
    XprocPlan plan = endless(XprocCpus.NONE);
    String sock = "unix:" + dir.resolve("free.sock");
    try (ChildJvm server = XprocPeer.FLOOR.startServer(List.of(sock), 1, plan)) {
      server.awaitStderr("listening on", plan.startTimeout());
      assertEquals(allowedCpus(ProcessHandle.current().pid()), allowedCpus(server.pid()));
    }
  }

  @Test
  void cpuListsAreCheckedBeforeAnyChildStarts() throws Exception {
    assertEquals(new XprocCpus("0-1", "0,1"), XprocCpus.parse("0-1:0,1"));
    for (String bad : List.of("0", "0:", ":0", "a:b", "0:1:2", "-1:0")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XprocCpus.parse(bad), bad);
      assertTrue(e.getMessage().contains("SERVER:CLIENT"), e.getMessage());
    }
    assertNull(XprocScenario.cannotPin(XprocCpus.parse("0:0")), "CPU 0 exists");
    String why = XprocScenario.cannotPin(XprocCpus.parse("0:4095"));
    assertTrue(why != null && why.contains("4095"), why);
    assertEquals(List.of(), XprocCpus.prefix(""));
    assertEquals(List.of("taskset", "-c", "0"), XprocCpus.prefix("0"));
  }
}
