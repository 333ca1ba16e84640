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

  /** A --window above the client's default queue bound (65,536 requests) raises the bound to fit it. */
  @Test
  void aWindowAboveTheClientsQueueBoundIsSentWhole() {
    assertEquals(0, run("demo", "--transport", "unix", "--messages", "70000", "--size", "36", "--window", "70000",
        "--json"));
    Map<String, Object> j = objects().get(0);
    assertEquals(70000L, j.get("messages"));
    assertEquals(70000L, j.get("released"));
    assertEquals(0L, j.get("failed"));
    assertEquals(j.get("checksum"), j.get("server_checksum"));
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

  @Test
  void blightClientRunsItsLoadsOneAfterTheOtherOnOneConnection() throws Exception {
    Path sock = dir.resolve("loads.sock");
    CompletableFuture<Integer> server = CompletableFuture.supplyAsync(
        () -> run("blight-server", "--listen", "unix:" + sock, "--json"));
    for (int i = 0; i < 200 && !Files.exists(sock); i++) {
      Thread.sleep(50);
    }
    assertEquals(0, run("blight-client", "--connect", "unix:" + sock, "--load", "info:2:40", "--load",
        "repaint:36:300", "--json"));
    assertEquals(0, server.get(30, TimeUnit.SECONDS));
    List<Map<String, Object>> o = objects();
    Map<String, Object> client = o.stream().filter(m -> m.containsKey("acks")).findFirst().orElseThrow();
    Map<String, Object> summary = o.stream().filter(m -> m.containsKey("acks_sent")).findFirst().orElseThrow();
    assertEquals(true, client.get("ok"), String.valueOf(client));
    assertFalse(client.containsKey("checksum"), "each load has its own checksum");
    assertEquals(340L, client.get("messages"));
    assertEquals(40L * 2 + 300L * 36, client.get("bytes"));
    assertEquals(342L, client.get("acks"), "every message and both final Pings acked");
    List<?> loads = (List<?>) client.get("loads");
    assertEquals(2, loads.size());
    Map<?, ?> info = (Map<?, ?>) loads.get(0);
    Map<?, ?> repaint = (Map<?, ?>) loads.get(1);
    assertEquals(40L, info.get("messages"));
    assertEquals(40L, info.get("acks_awaited"), "every Info waited for its Ack");
    double p50 = ((Number) info.get("latency_us_p50")).doubleValue();
    double p99 = ((Number) info.get("latency_us_p99")).doubleValue();
    assertTrue(p50 > 0 && p50 <= p99, "p50 " + p50 + " p99 " + p99);
    assertEquals(300L, repaint.get("messages"));
    assertEquals(0L, repaint.get("acks_awaited"), "libblight does not wait for Repaint acks");
    assertFalse(repaint.containsKey("latency_us_p50"), "no latency without awaited acks");
    // A load's checksum is the conformance pattern over its own ackids 1..N, as a run of its own gives.
    assertEquals(TestPatternChecksum.of(300, 36), repaint.get("checksum"));
    assertEquals(Map.of("info", 40L, "repaint", 300L), summary.get("request_types"));
    assertEquals(342L, summary.get("acks_sent"));
  }

  @Test
  void blightClientRefusesLoadTogetherWithType() {
    assertEquals(2, run("blight-client", "--connect", "unix:" + dir.resolve("x.sock"), "--type", "info", "--load",
        "info:2:10"));
    assertEquals(2, run("blight-client", "--connect", "unix:" + dir.resolve("x.sock"), "--load", "info:2"));
  }

  /** The checksum blight-client gives N messages of SIZE bytes: FNV-1a 64 over the test pattern of ackids 1..N. */
  static final class TestPatternChecksum {
    static String of(long n, int size) {
      dev.zerowire.blight.Fnv1a64 f = new dev.zerowire.blight.Fnv1a64();
      for (long k = 1; k <= n; k++) {
        f.update(dev.zerowire.blight.TestPattern.payload(k, size));
      }
      return f.hex();
    }
  }
}
