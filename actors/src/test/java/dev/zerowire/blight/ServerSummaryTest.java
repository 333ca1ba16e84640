package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerowire.actors.SocketStats;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerSummaryTest {

  static ConnectionSummary connection(int id, String checksum, Map<String, Long> types, String... errors) {
    long messages = types.values().stream().mapToLong(Long::longValue).sum();
    return new ConnectionSummary(id, "blight connection #" + id + " (test)", null, messages, 10L * id, checksum,
        types, messages, 0, 2, 2, 0, List.of(errors), "peer closed", SocketStats.ZERO);
  }

  @Test
  void oneConnectionGivesItsOwnChecksumAndNoneTheEmptyHash() {
    ServerSummary one = ServerSummary.of(List.of(connection(1, "55466ec31630c325", Map.of("repaint", 1000L))),
        List.of());
    assertEquals("55466ec31630c325", one.checksum());
    assertEquals(new Fnv1a64().hex(), ServerSummary.of(List.of(), List.of()).checksum());
  }

  @Test
  void severalConnectionsAreSummedAndTheirChecksumsHashedInConnectionOrder() {
    ConnectionSummary c2 = connection(2, "00000000000000ff", Map.of("ping", 1L, "info", 3L), "bad #2");
    ConnectionSummary c1 = connection(1, "0123456789abcdef", Map.of("repaint", 5L, "ping", 1L));
    ServerSummary s = ServerSummary.of(List.of(c2, c1), List.of("server-level"));
    Fnv1a64 f = new Fnv1a64();
    byte[] b = new byte[8];
    ByteBuffer.wrap(b).order(BlightWire.ORDER).putLong(0, 0x0123456789abcdefL);
    f.update(b);
    ByteBuffer.wrap(b).order(BlightWire.ORDER).putLong(0, 0xffL);
    f.update(b);
    assertEquals(f.hex(), s.checksum());
    assertEquals(List.of(1, 2), s.perConnection().stream().map(ConnectionSummary::id).toList());
    assertEquals(10, s.messages());
    assertEquals(30, s.bytes());
    assertEquals(List.of("ping", "repaint", "info"), List.copyOf(s.types().keySet()), "in wire-code order");
    assertEquals(Map.of("ping", 2L, "repaint", 5L, "info", 3L), s.types());
    assertEquals(List.of("server-level", "bad #2"), s.errors());
    assertEquals(4, s.pingsSent());
  }
}
