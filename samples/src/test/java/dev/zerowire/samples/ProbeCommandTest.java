package dev.zerowire.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.nativeio.Capabilities;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code zerowire probe} through the real command line, on this machine's kernel. */
class ProbeCommandTest {
  private static final List<String> KINDS =
      List.of("tcp4", "tcp6", "udp4", "udp6", "unix-stream", "unix-seqpacket");

  record Run(int exit, String out) {}

  /** Runs {@code zerowire args...} as the launcher does, capturing stdout. */
  static Run run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      int exit = Main.commandLine().execute(args);
      capture.flush();
      return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }

  @Test
  void jsonIsOneObjectWithTheDocumentedKeys() throws Exception {
    Run r = run("probe", "--json");
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().endsWith("\n") && r.out().indexOf('\n') == r.out().length() - 1,
        "one line: " + r.out());
    Map<String, Object> o = JsonReader.object(r.out());
    assertEquals(List.of("kernel", "so_zerocopy", "optmem_max", "memlock_soft", "memlock_hard", "cap_ipc_lock"),
        List.copyOf(o.keySet()));
    @SuppressWarnings("unchecked")
    Map<String, Object> zc = (Map<String, Object>) o.get("so_zerocopy");
    assertEquals(KINDS, List.copyOf(zc.keySet()));
    zc.values().forEach(v -> assertInstanceOf(Boolean.class, v, "so_zerocopy values are booleans: " + zc));
    assertEquals(true, zc.get("tcp4"), r.out());
    assertEquals(false, zc.get("unix-stream"), r.out());
    assertEquals(false, zc.get("unix-seqpacket"), r.out());

    Capabilities c = Capabilities.probe();
    assertEquals(c.kernel(), o.get("kernel"));
    assertEquals(c.optmemMax(), o.get("optmem_max"));
    assertTrue((Long) o.get("optmem_max") > 1, "optmem_max " + o.get("optmem_max"));
    for (String k : List.of("memlock_soft", "memlock_hard")) {
      Object v = o.get(k);
      assertTrue(v instanceof Long n && n >= 0 || "unlimited".equals(v), k + " = " + v);
    }
    assertEquals(c.memlockSoft() < 0 ? "unlimited" : (Object) c.memlockSoft(), o.get("memlock_soft"));
    assertEquals(c.capIpcLock(), o.get("cap_ipc_lock"));
  }

  @Test
  void unlimitedMemlockIsTheString() {
    Capabilities c = new Capabilities("6.1.0-\"odd\"", Map.of(), 20480, -1, -1, false);
    assertEquals("{\"kernel\":\"6.1.0-\\\"odd\\\"\",\"so_zerocopy\":{},\"optmem_max\":20480,"
        + "\"memlock_soft\":\"unlimited\",\"memlock_hard\":\"unlimited\",\"cap_ipc_lock\":false}",
        ProbeCommand.toJson(c));
  }

  @Test
  void tableListsEveryKindAligned() {
    Run r = run("probe");
    assertEquals(0, r.exit(), r.out());
    List<String> lines = r.out().lines().toList();
    for (String kind : KINDS) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("SO_ZEROCOPY " + kind + " ")), kind + " in\n" + r.out());
    }
    assertTrue(r.out().contains("SO_ZEROCOPY tcp4"), r.out());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("SO_ZEROCOPY unix-stream") && l.endsWith("no (EOPNOTSUPP)")),
        r.out());
    int column = lines.get(0).indexOf(lines.get(0).substring("kernel".length()).trim());
    for (String l : lines) {
      assertTrue(l.charAt(column - 1) == ' ' && l.charAt(column) != ' ', "values start in one column:\n" + r.out());
    }
  }

  @Test
  void helpNamesTheJsonOption() {
    Run r = run("probe", "--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("--json"), r.out());
  }
}
