package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The receive pool: bounded, each chunk lent once at a time, nothing kept after close. */
class BufferPoolTest {

  @Test
  void atMostMaxChunksExistAndAReleaseGivesOneBack() {
    BufferPool pool = new BufferPool(4096, 2);
    long a = pool.take();
    long b = pool.take();
    assertNotEquals(0, a);
    assertNotEquals(0, b);
    assertEquals(0, pool.take(), "both chunks are out");
    NativeBuffer lentA = pool.lend(a, 100);
    assertEquals(100, lentA.length());
    assertEquals(0, lentA.address() % NativeBuffer.pageSize(), "page-aligned like any buffer");
    lentA.release();
    assertTrue(lentA.isReleased());
    assertThrows(IllegalStateException.class, lentA::release, "released exactly once");
    assertThrows(IllegalStateException.class, lentA::address, "dead after release");
    assertEquals(a, pool.take(), "the same memory, lent again");
    pool.giveBack(a);
    pool.giveBack(b);
    assertEquals(0, pool.lent());
    pool.close();
    assertEquals(0, pool.chunks(), "close frees the free chunks");
  }

  @Test
  void whenReturnedFiresOnceOnTheNextReturnAndAtOnceIfOneIsFree() {
    BufferPool pool = new BufferPool(1024, 1);
    long a = pool.take();
    AtomicInteger woken = new AtomicInteger();
    pool.whenReturned(woken::incrementAndGet);
    assertEquals(0, woken.get(), "nothing came back yet");
    pool.lend(a, 10).release();
    assertEquals(1, woken.get());
    pool.whenReturned(woken::incrementAndGet);
    assertEquals(2, woken.get(), "a chunk is free: no wait");
    pool.close();
  }

  @Test
  void aBufferReleasedAfterCloseIsFreed() {
    BufferPool pool = new BufferPool(1024, 3);
    NativeBuffer out = pool.lend(pool.take(), 1024);
    pool.giveBack(pool.take());
    pool.close();
    assertEquals(1, pool.chunks(), "only the lent one is left");
    out.release();
    assertEquals(0, pool.chunks(), "freed on return");
    assertThrows(IllegalStateException.class, pool::take);
  }
}
