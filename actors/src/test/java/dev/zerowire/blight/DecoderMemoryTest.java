package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, break 1: a header's size is a claim. The decoder holds no more payload memory than has
 * arrived plus one piece, and no more over all decoders than their shared budget.
 */
class DecoderMemoryTest {

  private static long allocatedBy(Runnable r) {
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
    long before = mx.getCurrentThreadAllocatedBytes();
    r.run();
    return mx.getCurrentThreadAllocatedBytes() - before;
  }

  @Test
  void aLargeClaimAllocatesOnlyWhatArrivedPlusOnePiece() {
    BlightDecoder d = new BlightDecoder(64 << 20, f -> { });
    byte[] header = BlightEncoder.encodeHeader(BlightType.REPAINT, 1, 60 << 20);
    long first = allocatedBy(() -> {
      d.feed(header);
      d.feed(new byte[3]); // the trickle of the report: 3 bytes
    });
    assertTrue(first < 4L * BlightDecoder.DEFAULT_PIECE_SIZE, // one piece, plus slack for first-call allocations
        "a 60 MiB claim with 3 bytes allocated " + first);
    byte[] mib = new byte[1 << 20];
    long more = allocatedBy(() -> d.feed(mib)); // 1 MiB more arrives
    assertTrue(more < (1 << 20) + 4L * BlightDecoder.DEFAULT_PIECE_SIZE, "1 MiB arriving allocated " + more);
    assertEquals((1 << 20) + 3, d.partialPayloadBytes());
  }

  @Test
  void piecesJoinToTheSamePayloadHoweverTheStreamIsCut() {
    Random r = new Random(9);
    byte[] payload = new byte[300_000];
    r.nextBytes(payload);
    byte[] stream = BlightEncoder.message(BlightType.REPAINT, 7, payload);
    PayloadBudget budget = new PayloadBudget(1 << 20);
    List<BlightFrame> out = new ArrayList<>();
    BlightDecoder d = new BlightDecoder(1 << 20, budget, 1000, out::add);
    for (int at = 0; at < stream.length; ) {
      int n = Math.min(stream.length - at, 1 + r.nextInt(5000));
      d.feed(stream, at, n);
      at += n;
      assertTrue(budget.used() <= payload.length, "reserved " + budget.used());
    }
    assertEquals(1, out.size());
    assertArrayEquals(payload, out.get(0).payload());
    assertEquals(0, budget.used(), "a delivered message gives its reservation back");
    assertTrue(budget.peak() > 0, "the pieces were reserved");
  }

  @Test
  void aRefusedReservationPausesFeedingWithoutLosingBytes() {
    PayloadBudget budget = new PayloadBudget(8192);
    List<BlightFrame> out = new ArrayList<>();
    BlightDecoder a = new BlightDecoder(1 << 20, budget, 4096, out::add);
    BlightDecoder b = new BlightDecoder(1 << 20, budget, 4096, out::add);
    a.feed(BlightEncoder.encodeHeader(BlightType.REPAINT, 1, 10_000)); // a claims 10 kB ...
    a.feed(new byte[5000]); // ... and takes the whole budget with its first two pieces
    assertEquals(8192, budget.used());
    byte[] payload = new byte[5000];
    new Random(1).nextBytes(payload);
    ByteBuffer chunk = ByteBuffer.wrap(BlightEncoder.message(BlightType.REPAINT, 2, payload), 0, 12 + 100);
    b.feed(chunk);
    assertTrue(b.starved(), "b cannot reserve while a holds the budget");
    assertEquals(12, chunk.position(), "the payload bytes wait in the chunk");
    a.abandon(); // a's connection closed
    assertEquals(0, budget.used());
    ByteBuffer rest = ByteBuffer.wrap(BlightEncoder.message(BlightType.REPAINT, 2, payload), 12, payload.length);
    b.feed(rest);
    assertFalse(b.starved());
    assertEquals(1, out.size());
    assertArrayEquals(payload, out.get(0).payload());
    assertEquals(0, budget.used());
    assertEquals(1, budget.refusals());
  }

  /**
   * With {@code reserveEveryPayload}, a payload complete in its chunk is reserved too (and a
   * refusal starves the decoder before anything is allocated); a sink that takes a delivered
   * reservation owns it, one that does not has it released when the delivery returns.
   */
  @Test
  void everyPayloadCanBeReservedAndItsReservationKeptBeyondTheDelivery() {
    PayloadBudget budget = new PayloadBudget(3000);
    List<Long> taken = new ArrayList<>();
    List<BlightFrame> out = new ArrayList<>();
    BlightDecoder[] d = new BlightDecoder[1];
    d[0] = new BlightDecoder(1 << 20, budget, 1024, f -> {
      out.add(f);
      if (f.ackid() != 3) {
        taken.add(d[0].takeDeliveredReservation());
      }
    });
    d[0].reserveEveryPayload();
    ByteBuffer chunk = ByteBuffer.allocate(3 * (12 + 1000));
    for (int k = 1; k <= 3; k++) {
      chunk.put(BlightEncoder.message(BlightType.REPAINT, k, new byte[1000]));
    }
    chunk.flip();
    d[0].feed(chunk); // complete in the chunk: 1 and 2 reserved whole and kept by the sink
    assertEquals(List.of(1000L, 1000L), taken);
    assertEquals(3, out.size());
    assertEquals(2000, budget.used(), "the third was released as its delivery returned");
    budget.release(1000);
    budget.release(1000);

    budget.tryReserve(2500); // someone else holds most of the budget now
    ByteBuffer next = ByteBuffer.wrap(BlightEncoder.message(BlightType.REPAINT, 4, new byte[1000]));
    d[0].feed(next);
    assertTrue(d[0].starved(), "a complete payload that does not fit waits, unallocated");
    assertEquals(12, next.position());
    budget.release(2500);
    d[0].feed(next);
    assertEquals(4, out.size());
    assertEquals(1000, budget.used(), "its pieces' reservation was handed over whole");
    assertThrows(IllegalStateException.class, () -> d[0].takeDeliveredReservation(), "only during a delivery");
  }

  @Test
  void aFailedOrEndedDecoderGivesItsReservationBack() {
    PayloadBudget budget = new PayloadBudget(1 << 20);
    BlightDecoder d = new BlightDecoder(1 << 20, budget, 1024, f -> { });
    d.feed(BlightEncoder.encodeHeader(BlightType.REPAINT, 1, 5000));
    d.feed(new byte[2000]);
    assertEquals(2048, budget.used());
    assertThrows(BlightProtocolException.class, d::endOfStream);
    assertEquals(0, budget.used());
  }

  @Test
  void theSinkCanPauseFeedingRightAfterAMessage() {
    byte[] stream = new byte[10 * BlightHeader.SIZE];
    for (int i = 0; i < 10; i++) {
      System.arraycopy(BlightEncoder.encodeHeader(BlightType.PING, i + 1, 0), 0, stream, i * BlightHeader.SIZE,
          BlightHeader.SIZE);
    }
    List<BlightFrame> out = new ArrayList<>();
    BlightDecoder[] d = new BlightDecoder[1];
    d[0] = new BlightDecoder(1024, f -> {
      out.add(f);
      if (out.size() % 4 == 0) {
        d[0].pauseAfterThisMessage();
      }
    });
    ByteBuffer chunk = ByteBuffer.wrap(stream);
    d[0].feed(chunk);
    assertTrue(d[0].paused());
    assertEquals(4, out.size());
    assertEquals(4 * BlightHeader.SIZE, chunk.position(), "the rest waits in the chunk");
    d[0].feed(chunk);
    d[0].feed(chunk);
    assertFalse(d[0].paused());
    assertEquals(10, out.size());
    assertEquals(10, out.get(9).ackid());
    assertThrows(IllegalStateException.class, d[0]::pauseAfterThisMessage, "only from the sink");
  }
}
