package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SeqRingTest {
  @Test
  void behavesLikeASortedMapUnderRandomOrderRemovalAndGaps() {
    Random rnd = new Random(42);
    SeqRing<Long> ring = new SeqRing<>();
    TreeMap<Long, Long> model = new TreeMap<>();
    long seq = 1;
    for (int step = 0; step < 200_000; step++) {
      if (model.isEmpty() || rnd.nextInt(100) < 52) {
        seq += rnd.nextInt(100) < 5 ? 1 + rnd.nextInt(50) : 1; // gaps: messages taken back before writing
        ring.add(seq, seq);
        model.put(seq, seq);
      } else {
        // mostly the oldest (in-order outcomes), sometimes any, sometimes one never there
        long k = switch (rnd.nextInt(10)) {
          case 0 -> new ArrayList<>(model.keySet()).get(rnd.nextInt(model.size()));
          case 1 -> seq + 1000;
          default -> model.firstKey();
        };
        assertEquals(model.remove(k), ring.remove(k));
      }
      assertEquals(model.size(), ring.size());
    }
    assertEquals(new ArrayList<>(model.values()), ring.values());
  }

  @Test
  void aValueThatStaysLongDoesNotBlockTheOnesAfterIt() {
    SeqRing<String> ring = new SeqRing<>();
    ring.add(1, "old");
    for (long s = 2; s < 10_000; s++) {
      ring.add(s, "v" + s);
      assertEquals("v" + s, ring.remove(s));
    }
    assertEquals(List.of("old"), ring.values());
    assertEquals("old", ring.remove(1));
    assertTrue(ring.isEmpty());
    assertNull(ring.remove(1));
  }

  @Test
  void sequenceNumbersMustRise() {
    SeqRing<String> ring = new SeqRing<>();
    ring.add(5, "a");
    assertThrows(IllegalArgumentException.class, () -> ring.add(5, "b"));
    ring.clear();
    assertTrue(ring.isEmpty());
    ring.add(6, "c");
    assertEquals("c", ring.remove(6));
  }
}
