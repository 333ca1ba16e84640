package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    Map<String, Object> client = o.get(0);
    Map<String, Object> summary = o.get(1);
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
}
