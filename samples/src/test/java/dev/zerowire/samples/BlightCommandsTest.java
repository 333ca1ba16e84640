package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /** The JSON objects printed so far, one per line, as flat key -> raw value text. */
  List<Map<String, String>> objects() {
    List<Map<String, String>> l = new ArrayList<>();
    Pattern kv = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|\\{[^}]*\\}|\\[[^\\]]*\\]|[^,}]+)");
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("{")) {
        Map<String, String> m = new LinkedHashMap<>();
        Matcher x = kv.matcher(line);
        while (x.find()) {
          m.put(x.group(1), x.group(2));
        }
        l.add(m);
      }
    }
    return l;
  }

  @Test
  void demoOverTcpAndUnixGivesMatchingChecksums() {
    for (String transport : new String[] {"tcp", "unix"}) {
      out.reset();
      assertEquals(0, run("demo", "--transport", transport, "--messages", "500", "--size", "16384", "--json"));
      Map<String, String> j = objects().get(0);
      assertEquals(List.of("messages", "bytes", "checksum", "acks", "seconds", "msgs_per_s", "mb_per_s",
          "zerocopy_sends", "copied_completions", "released", "failed", "server_checksum", "mode_switches",
          "transport"), List.copyOf(j.keySet()));
      assertEquals(j.get("checksum"), j.get("server_checksum"));
      assertEquals("500", j.get("messages"));
      assertEquals("501", j.get("acks"));
      assertEquals("500", j.get("released"));
      assertEquals("0", j.get("failed"));
      assertEquals("\"" + transport + "\"", j.get("transport"));
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
    List<Map<String, String>> o = objects();
    Map<String, String> client = o.get(0);
    Map<String, String> summary = o.get(1);
    assertEquals("\"55466ec31630c325\"", client.get("checksum"));
    assertEquals("\"55466ec31630c325\"", summary.get("checksum"));
    assertEquals("1001", client.get("acks"));
    assertEquals("{\"ping\":1,\"repaint\":1000}", summary.get("types"), "type name -> count, in wire order");
    assertEquals("1001", summary.get("acks_sent"));
    assertEquals("[]", summary.get("errors"));
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
    List<Map<String, String>> o = objects();
    assertEquals(1, o.size(), "exactly one JSON object");
    Map<String, String> j = o.get(0);
    assertEquals("false", j.get("ok"));
    assertTrue(j.get("how").startsWith("\"stalled"), j.get("how"));
    assertTrue(j.get("errors").length() > 2, "the errors are listed: " + j.get("errors"));
  }

  @Test
  void blightClientPrintsItsJsonWhenItCannotConnect() {
    assertEquals(1, run("blight-client", "--connect", "unix:" + dir.resolve("nobody.sock"), "--json"));
    List<Map<String, String>> o = objects();
    assertEquals(1, o.size(), "exactly one JSON object");
    assertEquals("false", o.get(0).get("ok"));
    assertTrue(o.get(0).get("errors").contains("connect failed"), o.get(0).get("errors"));
  }
}
