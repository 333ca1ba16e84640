package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The launcher's training run (hidden {@code train}) exchanges what it claims, and checks it. */
class TrainCommandTest {
  private final PrintStream realOut = System.out;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @BeforeEach
  void captureStdout() {
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStdout() {
    System.setOut(realOut);
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyPhaseRunsOverUnixAndTcpWithMatchingChecksums() {
    assertEquals(0, Main.commandLine().execute("train", "--messages", "300", "--json"));
    Map<String, Object> j = JsonReader.object(out.toString(StandardCharsets.UTF_8).trim());
    assertEquals(true, j.get("ok"), j.toString());
    assertEquals(List.of(), j.get("errors"));
    List<String> seen = new ArrayList<>();
    for (Object o : (List<Object>) j.get("runs")) {
      Map<String, Object> r = (Map<String, Object>) o;
      seen.add(r.get("transport") + " " + r.get("type") + " " + r.get("size"));
      assertEquals(300L, r.get("messages"), r.toString());
      assertEquals(300L, r.get("server_messages"), r.toString());
      assertEquals(true, r.get("ok"), r.toString());
      assertTrue(((Number) r.get("msgs_per_s")).doubleValue() > 0, r.toString());
      assertTrue(((Number) r.get("setup_ms")).doubleValue() >= 0, r.toString());
    }
    assertEquals(List.of("unix info 4096", "unix repaint 65536", "unix repaint 36",
        "tcp info 4096", "tcp repaint 65536", "tcp repaint 36"), seen);
  }

  @Test
  @SuppressWarnings("unchecked")
  void phasesNotStartedBeforeTheDeadlineAreSkippedAndListed() {
    assertEquals(0, Main.commandLine().execute("train", "--messages", "50", "--seconds", "0.000001", "--json"));
    Map<String, Object> j = JsonReader.object(out.toString(StandardCharsets.UTF_8).trim());
    assertEquals(true, j.get("ok"));
    assertEquals(List.of(), j.get("runs"));
    assertEquals(List.of(), j.get("errors"));
    List<String> skipped = (List<String>) j.get("skipped");
    assertEquals(6, skipped.size(), skipped.toString());
    assertTrue(skipped.get(0).startsWith("info 4096 B over unix:"), skipped.get(0));
    assertTrue(skipped.get(5).startsWith("repaint 36 B over tcp:127.0.0.1:"), skipped.get(5));
  }

  @Test
  void isHiddenFromTheHelp() {
    assertTrue(!Main.commandLine().getUsageMessage().contains("train"));
  }
}
