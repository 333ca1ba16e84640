package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.SendVector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-flight table against synthetic completions (folly's ZeroCopyTest feeds
 * makeZeroCopyCompletion(lo, hi) the same way): coalesced, out of order, across the 2^32 wrap,
 * unknown ids, partial writes and gathers. The kernel is not involved: the table is the seam.
 */
class InFlightTableTest {
  private final List<NativeBuffer> allocated = new ArrayList<>();
  private final InFlightTable table = new InFlightTable();
  private final List<InFlightTable.Entry> done = new ArrayList<>();

  @AfterEach
  void free() {
    allocated.forEach(NativeBuffer::release);
  }

  private InFlightTable.Entry add(String name, int... sizes) {
    List<NativeBuffer> bufs = new ArrayList<>();
    long total = 0;
    for (int s : sizes) {
      NativeBuffer b = NativeBuffer.allocate(s);
      allocated.add(b);
      bufs.add(b);
      total += s;
    }
    return table.add(bufs, total, name);
  }

  private List<Object> finishedOwners() {
    List<Object> owners = new ArrayList<>();
    for (InFlightTable.Entry e : done) {
      owners.add(e.owner);
    }
    done.clear();
    return owners;
  }

  @Test
  void zeroCopySendIsReleasedOnlyAfterItsCompletion() {
    add("a", 1000);
    table.written(1000, true, 0, done);
    assertTrue(done.isEmpty(), "written but not completed: still the kernel's");
    assertEquals(1000, table.pinnedBytes());
    assertEquals(0, table.complete(0, 0, true, done));
    assertEquals(List.of("a"), finishedOwners());
    assertTrue(done.isEmpty());
    assertTrue(table.isEmpty());
    assertEquals(0, table.pinnedBytes());
  }

  @Test
  void copySendIsReleasedWhenFullyWritten() {
    InFlightTable.Entry e = add("a", 100, 200);
    table.written(150, false, 0, done);
    assertTrue(done.isEmpty(), "half written");
    table.written(150, false, 0, done);
    assertEquals(List.of("a"), finishedOwners());
    assertTrue(e.copied);
    assertEquals(1, table.nextId() + 1, "copy sends take no id");
  }

  @Test
  void partialWritesTakeOneIdEachAndTheBufferWaitsForTheLast() {
    add("big", 3000);
    table.written(1000, true, 0, done); // id 0
    table.written(1000, true, 0, done); // id 1
    table.written(1000, true, 0, done); // id 2
    assertEquals(3, table.nextId());
    table.complete(2, 2, false, done);
    table.complete(0, 0, false, done);
    assertTrue(done.isEmpty(), "id 1 still pending");
    table.complete(1, 1, false, done);
    assertEquals(List.of("big"), finishedOwners());
  }

  @Test
  void oneIdCoveringAGatherReleasesEverySendItTouched() {
    add("a", 10);
    add("b", 20);
    add("c", 30);
    table.written(35, true, 0, done); // id 0: a, b, first 5 of c
    table.written(25, true, 0, done); // id 1: rest of c
    table.complete(0, 0, false, done);
    assertEquals(List.of("a", "b"), finishedOwners());
    table.complete(1, 1, true, done);
    List<InFlightTable.Entry> snapshot = new ArrayList<>(done);
    assertEquals(List.of("c"), finishedOwners());
    assertTrue(snapshot.get(0).copied, "COPIED on any of its ids marks the send copied");
  }

  @Test
  void coalescedAndOutOfOrderRanges() {
    for (int i = 0; i < 10; i++) {
      add("s" + i, 100);
      table.written(100, true, 0, done);
    }
    table.complete(5, 9, false, done); // later ids first
    assertEquals(List.of("s5", "s6", "s7", "s8", "s9"), finishedOwners());
    table.complete(0, 4, false, done);
    assertEquals(List.of("s0", "s1", "s2", "s3", "s4"), finishedOwners());
    assertTrue(table.isEmpty());
    assertEquals(0, table.unknownIds());
  }

  @Test
  void rangesAcrossTheWrap() {
    table.startIdsAt(0xFFFF_FFFE);
    for (int i = 0; i < 4; i++) { // ids FFFFFFFE, FFFFFFFF, 0, 1
      add("s" + i, 64);
      table.written(64, true, 0, done);
    }
    assertEquals(2, table.nextId());
    table.complete(0xFFFF_FFFF, 0, false, done); // a range that wraps
    assertEquals(List.of("s1", "s2"), finishedOwners());
    table.complete(0xFFFF_FFFE, 1, false, done); // overlaps what is done: 2 new, 2 duplicate
    assertEquals(List.of("s0", "s3"), finishedOwners());
    assertEquals(2, table.unknownIds());
  }

  @Test
  void unknownIdsAreCountedAndChangeNothing() {
    add("a", 10);
    table.written(10, true, 0, done); // id 0
    assertEquals(5, table.complete(100, 104, false, done));
    assertTrue(done.isEmpty());
    assertEquals(1, table.complete(1, 1, false, done), "the next id was never sent");
    assertEquals(1, table.complete(0xFFFF_FFFF, 0, false, done), "one of two is known");
    assertEquals(List.of("a"), finishedOwners());
    assertEquals(1, table.complete(0, 0, false, done), "already completed");
    assertEquals(8, table.unknownIds());
  }

  @Test
  void abandonFailsUnwrittenAtOnceAndWrittenOnlyAfterCompletion() {
    add("written", 100);
    add("partial", 100);
    add("untouched", 100);
    table.written(150, true, 0, done); // id 0: all of "written", half of "partial"
    table.abandonUnwritten(done);
    List<InFlightTable.Entry> snapshot = new ArrayList<>(done);
    assertEquals(List.of("untouched"), finishedOwners());
    assertTrue(snapshot.get(0).abandoned);
    assertFalse(snapshot.get(0).anyWritten());
    table.complete(0, 0, false, done);
    snapshot = new ArrayList<>(done);
    assertEquals(List.of("written", "partial"), finishedOwners());
    assertFalse(snapshot.get(0).abandoned, "fully written before the abort: released");
    assertTrue(snapshot.get(1).abandoned);
    assertTrue(snapshot.get(1).anyWritten());
  }

  @Test
  void forgetAllWithholdsWhatTheKernelMayStillHold() {
    add("pinned", 100);
    add("copied", 100);
    table.written(100, true, 0, done);
    table.abandonUnwritten(done);
    assertEquals(List.of("copied"), finishedOwners());
    table.forgetAll(done);
    assertEquals(1, done.size());
    assertTrue(done.get(0).withheld);
    done.clear();
    assertTrue(table.isEmpty());
    assertEquals(0, table.pinnedBytes());
  }

  @Test
  void gatherTakesBigAndSmallSendsInSeparateCalls() {
    add("small1", 100);
    add("small2", 100);
    add("big", 20_000);
    add("small3", 100);
    SendVector v = new SendVector(16);
    try {
      assertFalse(table.gather(v, Long.MAX_VALUE, 10_240, true, false));
      assertEquals(200, v.totalBytes(), "the two small sends, not the big one");
      table.written(200, false, 0, done);
      assertTrue(table.gather(v, Long.MAX_VALUE, 10_240, true, false));
      assertEquals(20_000, v.totalBytes(), "the big send alone, zero copy");
      table.written(5_000, true, 0, done);
      assertTrue(table.gather(v, Long.MAX_VALUE, 10_240, true, false));
      assertEquals(15_000, v.totalBytes(), "the rest of the big send resumes at its offset");
      assertEquals(1, v.count());
      assertEquals(allocated.get(2).address() + 5_000, firstIovBase(v));
    } finally {
      v.free();
    }
  }

  @Test
  void gatherStopsExactlyAtTheByteBudgetAndResumesAtTheCut() {
    add("a", 3_000);
    add("b", 5_000);
    add("c", 2_000);
    SendVector v = new SendVector(16);
    try {
      assertFalse(table.gather(v, 4_096, 10_240, true, false));
      assertEquals(4_096, v.totalBytes(), "a whole and the first 1,096 bytes of b");
      assertEquals(2, v.count());
      table.written(4_096, false, 0, done);
      assertEquals(List.of("a"), finishedOwners());
      assertFalse(table.gather(v, 4_096, 10_240, true, false));
      assertEquals(4_096, v.totalBytes(), "the rest of b (3,904) and 192 bytes of c");
      assertEquals(allocated.get(1).address() + 1_096, firstIovBase(v));
      table.written(4_096, false, 0, done);
      assertEquals(List.of("b"), finishedOwners());
      assertFalse(table.gather(v, 4_096, 10_240, true, false));
      assertEquals(1_808, v.totalBytes(), "what is left of c");
      table.written(1_808, false, 0, done);
      assertEquals(List.of("c"), finishedOwners());
      assertFalse(table.gather(v, 4_096, 10_240, true, false));
      assertEquals(0, v.count(), "nothing left");
    } finally {
      v.free();
    }
  }

  /** A datagram (oneEntry) is never cut, whatever the budget: one send is one datagram. */
  @Test
  void aDatagramIsNeverCutByTheByteBudget() {
    add("a", 3_000);
    add("b", 2_000);
    SendVector v = new SendVector(16);
    try {
      assertFalse(table.gather(v, 100, 10_240, true, true));
      assertEquals(3_000, v.totalBytes(), "all of a, alone");
      assertEquals(1, v.count());
    } finally {
      v.free();
    }
  }

  @Test
  void aBigSendCutByTheBudgetGoesZeroCopyInPiecesAndFinishesWithItsLastId() {
    add("big", 50_000);
    SendVector v = new SendVector(4);
    try {
      for (int k = 0; k < 3; k++) {
        assertTrue(table.gather(v, 16_384, 10_240, true, false));
        assertEquals(16_384, v.totalBytes());
        table.written(16_384, true, 0, done);
      }
      assertTrue(table.gather(v, 16_384, 10_240, true, false));
      assertEquals(50_000 - 3 * 16_384, v.totalBytes());
      table.written(50_000 - 3 * 16_384, true, 0, done);
      assertTrue(done.isEmpty(), "written, but the kernel may still read it");
      assertEquals(50_000, table.pinnedBytes());
      assertEquals(0, table.complete(0, 2, false, done));
      assertTrue(done.isEmpty(), "the last piece's id (3) is still out");
      assertEquals(0, table.complete(3, 3, false, done));
      assertEquals(List.of("big"), finishedOwners());
      assertEquals(0, table.pinnedBytes());
    } finally {
      v.free();
    }
  }

  /** iov_base of the first iovec, read back from the msghdr the kernel would be given. */
  private static long firstIovBase(SendVector v) {
    long msghdr = invokePrepare(v);
    com.sun.jna.Pointer p = new com.sun.jna.Pointer(msghdr);
    return p.getPointer(16).getLong(0);
  }

  private static long invokePrepare(SendVector v) {
    try {
      java.lang.reflect.Method m = SendVector.class.getDeclaredMethod("prepare");
      m.setAccessible(true);
      return (long) m.invoke(v);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Property: random writes and completions in random order; every send finishes exactly once. */
  @Test
  void randomScheduleFinishesEverySendExactlyOnce() {
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    table.startIdsAt(-50 - rnd.nextInt(100)); // cross the wrap on the way
    int sends = 2000;
    Set<Object> finishedOnce = new HashSet<>();
    List<int[]> pendingIds = new ArrayList<>();
    for (int i = 0; i < sends; i++) {
      add("s" + i, 1 + rnd.nextInt(5000));
    }
    while (table.hasUnwritten()) {
      long n = 1 + rnd.nextInt(12_000);
      long left = remaining();
      n = Math.min(n, left);
      boolean zc = rnd.nextInt(4) != 0;
      int id = table.nextId();
      table.written(n, zc, 0, done);
      if (zc) {
        pendingIds.add(new int[] {id});
      }
      drainDone(finishedOnce, seed);
      if (rnd.nextInt(3) == 0 && !pendingIds.isEmpty()) {
        completeSome(rnd, pendingIds, finishedOnce, seed);
      }
    }
    while (!pendingIds.isEmpty()) {
      completeSome(rnd, pendingIds, finishedOnce, seed);
    }
    assertEquals(sends, finishedOnce.size(), "seed " + seed);
    assertTrue(table.isEmpty(), "seed " + seed);
    assertEquals(0, table.pinnedBytes(), "seed " + seed);
    assertEquals(0, table.unknownIds(), "seed " + seed);
  }

  private long remaining() {
    return table.queuedBytes();
  }

  private void completeSome(Random rnd, List<int[]> pending, Set<Object> finishedOnce, long seed) {
    Collections.shuffle(pending, rnd);
    int k = 1 + rnd.nextInt(Math.min(8, pending.size()));
    for (int i = 0; i < k; i++) {
      int[] id = pending.remove(pending.size() - 1);
      table.complete(id[0], id[0], rnd.nextBoolean(), done);
    }
    drainDone(finishedOnce, seed);
  }

  private void drainDone(Set<Object> finishedOnce, long seed) {
    for (InFlightTable.Entry e : done) {
      assertTrue(finishedOnce.add(e.owner), "finished twice: " + e.owner + " seed " + seed);
      assertTrue(e.fullyWritten(), "finished before fully written: " + e.owner + " seed " + seed);
      assertEquals(0, e.idsPending, "finished with ids pending, seed " + seed);
    }
    done.clear();
  }
}
