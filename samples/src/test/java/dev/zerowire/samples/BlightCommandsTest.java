package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The blight commands run in-process, as ./zerowire runs them, with their JSON output checked. */
class BlightCommandsTest {
  private final PrintStream realOut = System.out;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @TempDir
  Path dir;

  @BeforeEach
  void captureStdout() {
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStdout() {
    System.setOut(realOut);
  }

  static int run(String... args) {
    return new CommandLine(new Main()).execute(args);
  }

  /** The JSON objects printed so far, one per line (read strictly: a duplicate key fails). */
  List<Map<String, Object>> objects() {
    List<Map<String, Object>> l = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("{")) {
        l.add(JsonReader.object(line));
      }
    }
    return l;
  }

  @Test
  void demoOverTcpAndUnixGivesMatchingChecksums() {
    for (String transport : new String[] {"tcp", "unix"}) {
      out.reset();
      assertEquals(0, run("demo", "--transport", transport, "--messages", "500", "--size", "16384", "--json"));
      Map<String, Object> j = objects().get(0);
      assertEquals(List.of("messages", "bytes", "checksum", "acks", "seconds", "msgs_per_s", "mb_per_s",
          "zerocopy_sends", "copied_completions", "released", "failed", "server_checksum", "mode_switches",
          "transport"), List.copyOf(j.keySet()));
      assertEquals(j.get("checksum"), j.get("server_checksum"));
      assertEquals(500L, j.get("messages"));
      assertEquals(501L, j.get("acks"));
      assertEquals(500L, j.get("released"));
      assertEquals(0L, j.get("failed"));
      assertEquals(transport, j.get("transport"));
    }
  }

  @Test
  void serverAndClientAgreeOnTheConformanceVector() throws Exception {
    Path sock = dir.resolve("blight.sock");
    CompletableFuture<Integer> server = CompletableFuture.supplyAsync(
        () -> run("blight-server", "--listen", "unix:" + sock, "--json"));
    for (int i = 0; i < 200 && !Files.exists(sock); i++) {
      Thread.sleep(50);
    }
    assertEquals(0, run("blight-client", "--connect", "unix:" + sock, "--type", "repaint", "--messages", "1000",
        "--size", "4096", "--json"));
    assertEquals(0, server.get(30, TimeUnit.SECONDS));
    List<Map<String, Object>> o = objects();
    assertEquals(2, o.size(), "one JSON object each: " + o);
    // Both print into the same stdout, the server as its client goes, so the order may be either.
    Map<String, Object> client = o.stream().filter(m -> m.containsKey("acks")).findFirst().orElseThrow();
    Map<String, Object> summary = o.stream().filter(m -> m.containsKey("acks_sent")).findFirst().orElseThrow();
    assertEquals("55466ec31630c325", client.get("checksum"));
    assertEquals("55466ec31630c325", summary.get("checksum"));
    assertEquals(1001L, client.get("acks"));
    assertEquals(List.of("ping", "repaint"), List.copyOf(((Map<?, ?>) summary.get("types")).keySet()),
        "type names in wire order");
    assertEquals(Map.of("ping", 1L, "repaint", 1000L), summary.get("types"));
    assertEquals(1001L, summary.get("acks_sent"));
    assertEquals(List.of(), summary.get("errors"));
    assertTrue(!Files.exists(sock), "the unix socket path is removed when the server stops");
  }

  @Test
  void blightClientPrintsItsJsonWhenTheServerStopsReading() throws Exception {
    Path sock = dir.resolve("stalled.sock");
    try (java.nio.channels.ServerSocketChannel raw = java.nio.channels.ServerSocketChannel.open(
        java.net.StandardProtocolFamily.UNIX)) {
      raw.bind(java.net.UnixDomainSocketAddress.of(sock));
      CompletableFuture<java.nio.channels.SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
        try {
          return raw.accept(); // and never read
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertEquals(1, run("blight-client", "--connect", "unix:" + sock, "--type", "repaint", "--messages", "100",
          "--size", "1048576", "--stall-timeout", "2", "--json"));
      accepted.get(30, TimeUnit.SECONDS).close();
    }
    List<Map<String, Object>> o = objects();
    assertEquals(1, o.size(), "exactly one JSON object");
    Map<String, Object> j = o.get(0);
    assertEquals(false, j.get("ok"));
    assertTrue(((String) j.get("how")).startsWith("stalled"), String.valueOf(j.get("how")));
    assertFalse(((List<?>) j.get("errors")).isEmpty(), "the errors are listed: " + j.get("errors"));
  }

  @Test
  void blightClientPrintsItsJsonWhenItCannotConnect() {
    assertEquals(1, run("blight-client", "--connect", "unix:" + dir.resolve("nobody.sock"), "--json"));
    List<Map<String, Object>> o = objects();
    assertEquals(1, o.size(), "exactly one JSON object");
    assertEquals(false, o.get(0).get("ok"));
    assertTrue(String.valueOf(o.get(0).get("errors")).contains("connect failed"), String.valueOf(o.get(0).get("errors")));
  }
}
