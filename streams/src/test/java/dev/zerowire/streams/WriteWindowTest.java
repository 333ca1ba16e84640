package dev.zerowire.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.nativeio.NativeBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The window with synthetic outcomes (the seam above the socket actor, as folly feeds
 * synthetic completions): the bounds, and the NO_ROOM path, which a connection stage never
 * meets on a real socket because its byte bound is capped at the socket's queue bound.
 */
class WriteWindowTest {
  private final List<NativeBuffer> buffers = new ArrayList<>();

  private NativeBuffer buffer(int n) {
    NativeBuffer b = NativeBuffer.allocate(n);
    buffers.add(b);
    return b;
  }

  @AfterEach
  void free() {
    for (NativeBuffer b : buffers) {
      b.release();
    }
  }

  @Test
  void roomIsBoundedBySendsAndBytes() {
    WriteWindow w = new WriteWindow(3, 1000);
    assertTrue(w.hasRoom());
    long a = w.add(buffer(400));
    long b = w.add(buffer(400));
    assertTrue(w.hasRoom(), "800 of 1000 bytes, 2 of 3 sends");
    assertFalse(w.canSend(400), "would pass the byte bound");
    assertTrue(w.canSend(200));
    w.add(buffer(200));
    assertFalse(w.hasRoom(), "1000 bytes");
    assertEquals(400, w.settle(a, true).length());
    assertTrue(w.hasRoom());
    w.add(buffer(1));
    assertFalse(w.hasRoom(), "three sends");
    assertEquals(3, w.inFlightSends());
    assertEquals(400, w.settle(b, true).length());
    assertEquals(201, w.bytes());
  }

  @Test
  void aSendLargerThanTheBoundGoesAloneWhenNothingIsInFlight() {
    WriteWindow w = new WriteWindow(4, 100);
    assertTrue(w.canSend(500));
    w.add(buffer(500));
    assertFalse(w.canSend(1));
    assertFalse(w.hasRoom());
  }

  @Test
  void refusedSendsGoAgainInOrderAfterWritingResumedAndTheLaterOutcomes() {
    WriteWindow w = new WriteWindow(8, 1 << 20);
    NativeBuffer b1 = buffer(10);
    NativeBuffer b2 = buffer(10);
    NativeBuffer b3 = buffer(10);
    long id1 = w.add(b1);
    long id2 = w.add(b2);
    long id3 = w.add(b3);
    w.refusedForRoom(id2);
    assertFalse(w.hasRoom(), "nothing new goes out while a refused send waits");
    assertFalse(w.canSend(1));
    w.writingResumed();
    assertTrue(w.takeResendable().isEmpty(), "send 3 (after 2) has no outcome yet: it may still be refused");
    w.refusedForRoom(id3);
    assertTrue(w.takeResendable().isEmpty(), "a new refusal needs a new WritingResumed");
    w.writingResumed();
    Map<Long, NativeBuffer> again = w.takeResendable();
    assertEquals(List.of(id2, id3), List.copyOf(again.keySet()));
    assertSame(b2, again.get(id2), "the same buffer goes again");
    assertSame(b1, w.settle(id1, true), "send 1 went before the refusal: no reorder");
    assertSame(b2, w.settle(id2, true));
    assertSame(b3, w.settle(id3, true));
    assertTrue(w.isEmpty());
    assertEquals(0, w.bytes());
  }

  @Test
  void aLaterSendWrittenWhileAnEarlierWaitsIsAReorder() {
    WriteWindow w = new WriteWindow(8, 1 << 20);
    long id1 = w.add(buffer(10));
    long id2 = w.add(buffer(10));
    w.refusedForRoom(id1);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.settle(id2, true));
    assertTrue(e.getMessage().contains("reordered"), e.getMessage());
  }

  @Test
  void whatIsLeftIsTakenOnce() {
    WriteWindow w = new WriteWindow(8, 1 << 20);
    long id1 = w.add(buffer(10));
    w.add(buffer(20));
    w.refusedForRoom(id1);
    assertEquals(1, w.takeRefused().size());
    assertEquals(1, w.takeInFlight().size());
    assertTrue(w.isEmpty());
    assertEquals(0, w.bytes());
    assertTrue(w.takeInFlight().isEmpty());
  }
}
