package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code zerowire stream --json} end to end, through real sockets in one actor system. */
class StreamCommandTest {
  private static final List<String> KEYS = List.of("transport", "mode", "messages", "bytes", "seconds", "mb_per_s",
      "zerocopy_sends", "copied_completions", "enobufs_fallbacks", "mode_switches", "released", "failed",
      "corrupt_bytes", "peak_inflight_bytes", "closed", "closed_within_ms");

  @ParameterizedTest
  @CsvSource({"tcp,zerocopy", "tcp,adaptive", "unix,adaptive", "tcp,copy"})
  void everyByteArrivesAndEveryBufferComesBack(String transport, String mode) throws Exception {
    ProbeCommandTest.Run r = ProbeCommandTest.run("stream", "--json", "--transport", transport, "--mode", mode,
        "--messages", "500", "--size", "65536");
    assertEquals(0, r.exit(), r.out());
    Map<String, Object> o = JsonReader.object(r.out());
    assertEquals(KEYS, List.copyOf(o.keySet()));
    assertEquals(500L, o.get("messages"));
    assertEquals(500L * 65536, o.get("bytes"));
    assertEquals(500L, o.get("released"));
    assertEquals(0L, o.get("failed"));
    assertEquals(0L, o.get("corrupt_bytes"));
    long zc = (Long) o.get("zerocopy_sends");
    switch (mode) {
      case "zerocopy" -> assertTrue(zc > 0, "zero copy used over tcp: " + r.out());
      case "copy" -> assertEquals(0L, zc, r.out());
      default -> { }
    }
    if (transport.equals("unix")) {
      assertEquals(0L, zc, "AF_UNIX takes the copy path: " + r.out());
    }
  }

  /**
   * A receiver that stalls longer than close-timeout (2 s) and a sender that closes right after
   * its sends: the close still ends, by a reset after close-timeout, and every Send has exactly one
   * outcome (released + failed == messages).
   */
  @ParameterizedTest
  @CsvSource({"tcp", "unix"})
  void closeWithAStalledPeerEndsWithinTheCloseTimeout(String transport) throws Exception {
    ProbeCommandTest.Run r = ProbeCommandTest.run("stream", "--json", "--transport", transport, "--messages", "2000",
        "--size", "65536", "--window", "2000", "--close-after", "2000", "--peer-stall-ms", "4000");
    assertEquals(0, r.exit(), r.out());
    Map<String, Object> o = JsonReader.object(r.out());
    assertEquals(2000L, (Long) o.get("released") + (Long) o.get("failed"), r.out());
    assertTrue((Long) o.get("failed") > 0, "the stalled peer held some back: " + r.out());
    assertTrue(((String) o.get("closed")).contains("close-timeout"), r.out());
    assertEquals(0L, o.get("corrupt_bytes"));
  }

  @Test
  void badArgumentsGiveOneClearError() {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setErr(new java.io.PrintWriter(err, true));
    int exit = cl.execute("stream", "--transport", "carrier-pigeon", "--messages", "1");
    assertEquals(2, exit);
    assertEquals("zerowire stream: --transport must be tcp, tcp6 or unix, not 'carrier-pigeon' (see 'zerowire stream --help')",
        err.toString().trim());
  }
}
