package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's error rules: one line per error, usage errors exit 2 before anything connects. */
class CliErrorsTest {
  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {
    List<String> errLines() {
      return err.lines().toList();
    }
  }

  /** {@code zerowire args...} in-process as the launcher runs it, stdout and stderr captured. */
  static Run run(String... args) {
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
         PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      int exit = Main.commandLine().execute(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
  }

  @Test
  void usageErrorsAreOneLinePointingAtHelp() {
    for (String cmd : List.of("demo", "stream", "probe")) {
      Run r = run(cmd, "--bogus");
      assertEquals(2, r.exit(), r.err());
      assertEquals(List.of("zerowire " + cmd + ": Unknown option: '--bogus' (see 'zerowire " + cmd + " --help')"),
          r.errLines(), cmd);
    }
    Run top = run("bogus");
    assertEquals(2, top.exit());
    assertEquals(List.of("zerowire: Unmatched argument at index 0: 'bogus' (see 'zerowire --help')"), top.errLines());
    Run missing = run("blight-client");
    assertEquals(2, missing.exit());
    assertEquals(1, missing.errLines().size(), missing.err());
    assertTrue(missing.err().contains("--connect"), missing.err());
  }

  @Test
  void oversizedPayloadsAreRefusedAtParseTime() {
    // Nothing listens at this path: a size error must come before any connect is tried.
    String nowhere = "unix:" + dir.resolve("nobody.sock");
    for (String[] args : List.of(new String[] {"demo", "--size", "200000000"},
        new String[] {"blight-client", "--connect", nowhere, "--size", "67108865"})) {
      Run r = run(args);
      assertEquals(2, r.exit(), r.err());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(r.err().contains("--size must be at most 67108864"), r.err());
      assertEquals("", r.out());
    }
  }

  @Test
  void aProtocolFaultIsPrintedOnce() throws Exception {
    Path sock = dir.resolve("garbage.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
        try (SocketChannel c = server.accept()) {
          ByteBuffer bad = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
          bad.putInt(99).putInt(99).putInt(0).flip(); // type 99: no such blight message
          c.write(bad);
          c.read(ByteBuffer.allocate(1 << 16)); // until the client closes
        } catch (java.io.IOException e) {
          // the client reset the connection: it is gone either way
        }
      });
      Run r = run("blight-client", "--connect", "unix:" + sock, "--type", "info", "--messages", "1");
      peer.get(30, TimeUnit.SECONDS);
      assertEquals(1, r.exit(), r.err());
      long faults = r.errLines().stream().filter(l -> l.contains("unknown message type 99")
          && l.contains("protocol fault from the server")).count();
      assertEquals(1, faults, "printed once:\n" + r.err());
    }
  }

  @Test
  void theClientNamesTheAddressItWasGiven() throws Exception {
    Path sock = dir.resolve("blight.sock");
    CompletableFuture<Integer> server = CompletableFuture.supplyAsync(
        () -> Main.commandLine().execute("blight-server", "--listen", "unix:" + sock, "--json"));
    for (int i = 0; i < 200 && !Files.exists(sock); i++) {
      Thread.sleep(50);
    }
    Run client = run("blight-client", "--connect", "unix:" + sock, "--messages", "3");
    assertEquals(0, client.exit(), client.err());
    assertTrue(client.out().contains(" to unix:" + sock + " in "), client.out());
    assertEquals(0, server.get(30, TimeUnit.SECONDS));
  }
}
