package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, breaks 4 and 5: SIGTERM to blight-server and blight-client, each a JVM of its own
 * (Process.destroy sends SIGTERM), still gives the summary: the server's with one line saying
 * why it stopped, the client's JSON with its errors.
 */
class BlightSignalsTest {

  @TempDir
  Path dir;

  /** A JVM running Main with this test's class path and JVM flags. */
  private Process start(Path stdout, Path stderr, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--") || a.startsWith("-Xmx")) { // the module/native-access flags; no agents
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
  }

  private static void awaitFile(Path p, Process proc) throws InterruptedException {
    for (int i = 0; i < 600 && !Files.exists(p) && proc.isAlive(); i++) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(p), p + " did not appear");
  }

  @Test
  void sigtermToTheServerPrintsItsSummaryAndWhy() throws Exception {
    Path sock = dir.resolve("server.sock");
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process server = start(out, err, "blight-server", "--listen", "unix:" + sock, "--connections", "5", "--json");
    awaitFile(sock, server);
    server.destroy(); // SIGTERM
    assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server did not exit after SIGTERM");
    List<String> json = Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("{"))
        .toList();
    assertEquals(1, json.size(), "one summary: " + json);
    assertTrue(json.get(0).contains("\"connections\":0"), json.get(0));
    String errText = Files.readString(err, StandardCharsets.UTF_8);
    assertTrue(errText.contains("blight-server: limits:"), "limits at start: " + errText);
    assertTrue(errText.contains("stopped by SIGTERM or SIGINT"), "the reason: " + errText);
  }

  @Test
  void sigtermToTheClientPrintsItsJsonWithTheErrors() throws Exception {
    Path sock = dir.resolve("stalled.sock");
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    try (ServerSocketChannel raw = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      raw.bind(UnixDomainSocketAddress.of(sock));
      CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return raw.accept(); // a server that never reads
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      Process client = start(out, err, "blight-client", "--connect", "unix:" + sock, "--messages", "100",
          "--size", "1048576", "--stall-timeout", "300", "--json");
      SocketChannel c = accepted.get(60, TimeUnit.SECONDS);
      Thread.sleep(1000); // let it fill the socket
      client.destroy(); // SIGTERM
      assertTrue(client.waitFor(30, TimeUnit.SECONDS), "the client did not exit after SIGTERM");
      c.close();
    }
    List<String> json = Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("{"))
        .toList();
    assertEquals(1, json.size(), "one JSON object: " + json);
    assertTrue(json.get(0).contains("\"ok\":false"), json.get(0));
    assertTrue(json.get(0).contains("interrupted by SIGTERM or SIGINT"), json.get(0));
  }
}
