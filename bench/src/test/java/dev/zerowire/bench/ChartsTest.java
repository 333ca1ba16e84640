package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
  @Test
  void onePngPerScenarioOfItsPrimaryUnit(@TempDir Path dir) throws Exception {
    List<Row> rows = List.of(
        Row.of("stream-tcp", "java-nio", "4 KiB", Units.MB_S, 1000, 900, 1100, 3),
        Row.of("stream-tcp", "zerowire-adaptive", "4 KiB", Units.MB_S, 900, 800, 950, 3),
        Row.of("stream-tcp", "zerowire-adaptive", "1 MiB", Units.MB_S, 2500, 2400, 2600, 3),
        Row.of("round-trip", "naive-two-writes", "unix", Units.US_P99, 30, 29, 31, 3),
        Row.of("round-trip", "naive-two-writes", "unix", Units.REQ_S, 50000, 49000, 51000, 3));
    List<Path> files = Charts.write(dir, rows);
    assertEquals(List.of(dir.resolve("stream-tcp.png"), dir.resolve("round-trip.png")), files);
    for (Path f : files) {
      byte[] head = Arrays.copyOf(Files.readAllBytes(f), 4);
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, head);
    }
  }
}
