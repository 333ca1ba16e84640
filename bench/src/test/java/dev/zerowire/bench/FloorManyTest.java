package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.nativeio.NativeBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The many-connections floor moves whole payloads over every connection and the receiver counts them all. */
class FloorManyTest {
  @Test
  void theReceiverCountsExactlyTheWholePayloadsTheFloorReports() throws Exception {
    int connections = 20;
    NativeBuffer payload = NativeBuffer.allocate(ManyConnectionsScenario.PAYLOAD);
    try (SelectorReceiver rx = new SelectorReceiver(2); FloorMany floor = new FloorMany(connections, payload, rx)) {
      for (int rep = 1; rep <= 2; rep++) { // a second repetition opens a fresh set of connections
        long bytes0 = rx.bytes();
        Sample s = floor.measure(Duration.ofMillis(200));
        double payloads = s.extras().get("payloads");
        assertTrue(payloads >= 2L * connections, "every connection wrote at least its first pair: " + payloads);
        assertEquals(0, payloads % ManyConnectionsScenario.IN_FLIGHT_PER_SOCKET, "payloads go in whole pairs");
        assertEquals((long) payloads * ManyConnectionsScenario.PAYLOAD, rx.bytes() - bytes0);
        assertEquals(rep * (long) connections, rx.accepted());
        assertEquals(rep * (long) connections, rx.closed(), "every connection was closed after the repetition");
        assertTrue(Double.isFinite(s.cpuSPerGib()), "CPU was read as for the zerowire rows");
      }
    } finally {
      payload.release();
    }
  }
}
