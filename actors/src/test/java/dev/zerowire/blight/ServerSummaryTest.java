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
        types, messages, 0, 2, 2, 0, List.of(errors), "peer closed", SocketStats.ZERO, 0, 0);
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

  @Test
  void historyKeepsTheNewestSummariesAndErrorsWhileTotalsCountEveryConnection() {
    ServerTotals t = new ServerTotals(3);
    for (int id = 1; id <= 1000; id++) {
      t.add(connection(id, "0000000000000001", Map.of("repaint", 2L, "ping", 1L, "ack", 4L), "bad #" + id));
    }
    t.refused();
    ServerSummary s = t.summary();
    assertEquals(3, t.keptSummaries());
    assertEquals(List.of(998, 999, 1000), s.perConnection().stream().map(ConnectionSummary::id).toList());
    assertEquals(List.of("bad #998", "bad #999", "bad #1000"), s.errors());
    assertEquals(1000, s.errorCount());
    assertEquals(1000, s.connections());
    assertEquals(7000, s.messages());
    assertEquals(2000, s.requests(), "Acks (answers to the server's Pings) and Pings are not requests");
    assertEquals(Map.of("repaint", 2000L), s.requestTypes());
    assertEquals(1, s.refused());
  }
}
