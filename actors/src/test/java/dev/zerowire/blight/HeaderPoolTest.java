package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeaderPoolTest {

    @Test
    void slotsAreDistinctAndComeBackOnlyWhenGiven() {
        HeaderPool pool = new HeaderPool();
        List<HeaderPool.Slot> taken = new ArrayList<>();
        Set<Long> addresses = new HashSet<>();
        for (int i = 0; i < HeaderPool.SLOTS_PER_CHUNK + 1; i++) {
            HeaderPool.Slot s = pool.take();
            taken.add(s);
            addresses.add(s.buffer.address());
            assertEquals(HeaderPool.SLOT_SIZE, s.buffer.length());
        }
        assertEquals(HeaderPool.SLOTS_PER_CHUNK + 1, addresses.size(), "no slot is handed out twice");
        assertEquals(2, pool.chunks());
        assertEquals(HeaderPool.SLOTS_PER_CHUNK + 1, pool.outstanding());
        HeaderPool.Slot first = taken.get(0);
        pool.give(first);
        assertSame(first, pool.take(), "a given slot is reused");
        taken.forEach(pool::give);
        assertEquals(0, pool.outstanding());
        assertEquals(0, pool.close(), "every chunk is freed when every slot is home");
        assertThrows(IllegalStateException.class, pool::take);
    }

    @Test
    void aChunkWithASlotOutOrLeakedIsNeverFreed() {
        HeaderPool pool = new HeaderPool();
        HeaderPool.Slot out = pool.take();
        HeaderPool.Slot leaked = null;
        for (int i = 0; i < HeaderPool.SLOTS_PER_CHUNK; i++) {
            leaked = pool.take(); // the last one starts chunk 2
        }
        assertNotSame(out.chunk, leaked.chunk);
        pool.leak(leaked);
        assertEquals(2, pool.close(), "chunk 1 has a slot out, chunk 2 a leaked slot");
    }

    @Test
    void trimFreesIdleChunksButNeverOneWithASlotOut() {
        HeaderPool pool = new HeaderPool();
        List<HeaderPool.Slot> taken = new ArrayList<>();
        for (int i = 0; i < 10 * HeaderPool.SLOTS_PER_CHUNK; i++) {
            taken.add(pool.take()); // a burst: ten chunks
        }
        assertEquals(10, pool.chunks());
        HeaderPool.Slot stillOut = taken.remove(taken.size() - 1); // the newest chunk keeps one slot out
        taken.forEach(pool::give);
        assertEquals(9, pool.trim(1), "every chunk but the one with a slot out");
        assertEquals(1, pool.chunks());
        pool.give(stillOut);
        assertEquals(0, pool.trim(1), "one chunk is kept");
        assertEquals(1, pool.chunks());
        assertEquals(0, pool.close());
    }

    /**
     * A slot always comes from the oldest chunk that has one free, whatever was given, trimmed or
     * leaked before (the pool keeps a hint of where the first free slot is; a wrong hint would hand
     * out a newer chunk's slot, or none, while an older chunk has one). Checked against a scan of
     * every chunk after each of 20,000 random takes, gives, trims and leaks.
     */
    @Test
    void aSlotComesFromTheOldestChunkWithOneFree() {
        HeaderPool pool = new HeaderPool();
        java.util.Random random = new java.util.Random(42);
        List<HeaderPool.Slot> out = new ArrayList<>();
        List<HeaderPool.Chunk> order = new ArrayList<>(); // chunks in the order they were made, live ones
        for (int step = 0; step < 20_000; step++) {
            int what = random.nextInt(100);
            if (what < 55 || out.isEmpty()) {
                HeaderPool.Chunk expected = null;
                for (HeaderPool.Chunk c : order) {
                    if (!c.leaked && !c.free.isEmpty()) {
                        expected = c;
                        break;
                    }
                }
                HeaderPool.Slot s = pool.take();
                if (expected != null) {
                    assertSame(expected, s.chunk, "step " + step + ": not the oldest chunk with a free slot");
                } else {
                    order.add(s.chunk); // a new chunk: every older one was full
                }
                out.add(s);
            } else if (what < 97) {
                pool.give(out.remove(random.nextInt(out.size())));
            } else if (what < 99) {
                pool.trim(random.nextInt(3));
                order.removeIf(c -> c.memory.isReleased());
            } else {
                HeaderPool.Slot s = out.remove(random.nextInt(out.size()));
                pool.leak(s);
                order.remove(s.chunk);
            }
        }
        out.forEach(pool::give);
        pool.close();
    }
}
