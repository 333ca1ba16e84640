package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SendIds} against a model in {@code long} arithmetic modulo 2^32, with ids drawn both
 * over the whole range and near the 2^32 wrap. The seed is printed in every message; rerun one
 * with {@code -Dzerowire.seed=N}.
 */
class SendIdsTest {
  private static final long MOD = 1L << 32;
  private static final long HALF = 1L << 31;
  private static final int TRIALS = 200_000;

  private long seed;
  private Random random;

  @BeforeEach
  void seed() {
    seed = Long.getLong("zerowire.seed", System.nanoTime());
    random = new Random(seed);
    System.out.println("SendIdsTest seed " + seed);
  }

  /** Half the time anywhere, half the time within 1000 of the wrap point 2^32-1 -> 0. */
  private int id() {
    if (random.nextBoolean()) {
      return random.nextInt();
    }
    return (int) (MOD - 1000 + random.nextInt(2000)); // wraps past 0 as an int
  }

  /** A gap in [1, 2^31): the range where ordering is defined. */
  private long gap() {
    return random.nextBoolean() ? 1 + random.nextInt(2000) : 1 + (random.nextLong() & (HALF - 1)) % (HALF - 1);
  }

  private static long u(int id) {
    return Integer.toUnsignedLong(id);
  }

  private String at(String what, int a, int b) {
    return what + " a=" + SendIds.toString(a) + " b=" + SendIds.toString(b) + " (seed " + seed + ")";
  }

  @Test
  void nextAddsOneModulo2To32() {
    for (int i = 0; i < TRIALS; i++) {
      int a = id();
      assertEquals((u(a) + 1) % MOD, u(SendIds.next(a)), at("next", a, a));
    }
  }

  @Test
  void isBeforeIsAntisymmetricAndAgreesWithDistance() {
    for (int i = 0; i < TRIALS; i++) {
      int a = id();
      long d = gap();
      int b = (int) ((u(a) + d) % MOD);
      assertTrue(SendIds.isBefore(a, b), at("a before a+" + d, a, b));
      assertFalse(SendIds.isBefore(b, a), at("a+" + d + " not before a", a, b));
      assertEquals(d, SendIds.distance(a, b), at("distance", a, b));
      assertEquals(MOD - d, SendIds.distance(b, a), at("distance back", a, b));
      assertFalse(SendIds.isBefore(a, a), at("irreflexive", a, a));
      assertEquals(0, SendIds.distance(a, a), at("distance to self", a, a));
      // isBefore(x, y) exactly when y is 1..2^31-1 steps ahead of x
      int x = random.nextInt();
      int y = random.nextInt();
      long ahead = SendIds.distance(x, y);
      if (ahead != HALF) { // exactly 2^31 apart is undefined in serial arithmetic (RFC 1982)
        assertEquals(ahead > 0 && ahead < HALF, SendIds.isBefore(x, y), at("isBefore vs distance", x, y));
      }
    }
  }

  @Test
  void isBeforeIsTransitiveOverShortChains() {
    for (int i = 0; i < TRIALS; i++) {
      int a = id();
      int b = (int) (u(a) + 1 + random.nextInt(1 << 29));
      int c = (int) (u(b) + 1 + random.nextInt(1 << 29));
      assertTrue(SendIds.isBefore(a, b) && SendIds.isBefore(b, c) && SendIds.isBefore(a, c), at("chain to c=" + SendIds.toString(c), a, b));
    }
  }

  @Test
  void rangeLengthCountsInclusiveIdsAcrossTheWrap() {
    for (int i = 0; i < TRIALS; i++) {
      int lo = id();
      long len = 1 + (random.nextBoolean() ? random.nextInt(5000) : (random.nextLong() & (MOD - 1)));
      int hi = (int) ((u(lo) + len - 1) % MOD);
      assertEquals(len, SendIds.rangeLength(lo, hi), at("rangeLength of " + len, lo, hi));
    }
  }

  @Test
  void containsMatchesTheModelForWrappingRanges() {
    for (int i = 0; i < TRIALS; i++) {
      int lo = id();
      long span = random.nextInt(5000); // hi - lo
      int hi = (int) ((u(lo) + span) % MOD);
      long off = random.nextBoolean() ? random.nextInt((int) span + 20) : (random.nextLong() & (MOD - 1));
      int id = (int) ((u(lo) + off) % MOD);
      assertEquals(off <= span, SendIds.contains(lo, hi, id),
          at("contains id=" + SendIds.toString(id) + " in", lo, hi));
      assertTrue(SendIds.contains(lo, hi, lo), at("contains lo", lo, hi));
      assertTrue(SendIds.contains(lo, hi, hi), at("contains hi", lo, hi));
      assertFalse(SendIds.contains(lo, hi, lo - 1), at("excludes lo-1", lo, hi));
      assertFalse(SendIds.contains(lo, hi, hi + 1), at("excludes hi+1", lo, hi));
    }
  }

  @Test
  void exactEdges() {
    assertEquals(0, SendIds.next(0xFFFF_FFFF));
    assertEquals(0x8000_0000, SendIds.next(0x7FFF_FFFF));
    assertTrue(SendIds.isBefore(0xFFFF_FFFF, 0));
    assertFalse(SendIds.isBefore(0, 0xFFFF_FFFF));
    assertTrue(SendIds.isBefore(0, 0x7FFF_FFFF), "2^31-1 ahead is still ahead");
    assertTrue(SendIds.isBefore(0x7FFF_FFFF, 0x8000_0000), "across the sign bit");
    assertEquals(1, SendIds.distance(0xFFFF_FFFF, 0));
    assertEquals(MOD - 1, SendIds.distance(0, 0xFFFF_FFFF));
    assertEquals(1, SendIds.rangeLength(7, 7));
    assertEquals(4, SendIds.rangeLength(0xFFFF_FFFE, 1));
    assertEquals(MOD, SendIds.rangeLength(1, 0), "the whole id space");
    assertEquals(MOD, SendIds.rangeLength(0, 0xFFFF_FFFF));
    assertTrue(SendIds.contains(0xFFFF_FFFE, 1, 0xFFFF_FFFF));
    assertTrue(SendIds.contains(0xFFFF_FFFE, 1, 0));
    assertTrue(SendIds.contains(0xFFFF_FFFE, 1, 1));
    assertFalse(SendIds.contains(0xFFFF_FFFE, 1, 2));
    assertFalse(SendIds.contains(0xFFFF_FFFE, 1, 0xFFFF_FFFD));
    assertTrue(SendIds.contains(5, 5, 5));
    assertFalse(SendIds.contains(5, 5, 6));
    assertEquals("4294967295", SendIds.toString(-1));
    assertEquals("2147483648", SendIds.toString(Integer.MIN_VALUE));
  }
}
