package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The deadlines of awaited acks: earliest first, each entry out exactly once, nothing kept after. */
class AckDeadlinesTest {
  private record A(String name, long deadline) {}

  private static AckDeadlines<A> holding(A... entries) {
    AckDeadlines<A> d = new AckDeadlines<>(A::deadline);
    for (A a : entries) {
      d.add(a);
    }
    return d;
  }

  @Test
  void onlyAnEarlierDeadlineAsksForTheTimer() {
    AckDeadlines<A> d = new AckDeadlines<>(A::deadline);
    assertTrue(d.add(new A("first", 100)), "the first entry is the earliest");
    assertFalse(d.add(new A("same timeout, later", 110)), "in order: no timer to arm");
    assertTrue(d.add(new A("shorter timeout", 50)), "earlier than the armed one: arm again");
    assertEquals(50, d.earliest());
  }

  @Test
  void dueReturnsWhatHasPassedEarliestFirstAndOnlyOnce() {
    A a = new A("a", 30);
    A b = new A("b", 10);
    A c = new A("c", 20);
    AckDeadlines<A> d = holding(a, b, c, new A("late", 1_000));
    assertEquals(List.of(b, c), d.due(20), "deadline at or before now, earliest first");
    assertEquals(List.of(), d.due(25));
    assertEquals(List.of(a), d.due(30));
    assertEquals(1, d.size());
    assertEquals(1_000, d.earliest());
  }

  @Test
  void removedEntriesNeverComeDueAndLeaveNothingBehind() {
    A head = new A("head", 10);
    A middle = new A("middle", 20);
    A tail = new A("tail", 30);
    AckDeadlines<A> d = holding(head, middle, tail);
    assertTrue(d.remove(head), "the earliest: an ack in order");
    assertTrue(d.remove(tail), "out of order: found by a scan");
    assertFalse(d.remove(tail), "not twice");
    assertEquals(List.of(middle), d.due(Long.MAX_VALUE / 2));
    assertTrue(d.isEmpty());
  }

  @Test
  void deadlinesCompareAcrossTheNanoTimeWrap() {
    A beforeWrap = new A("before", Long.MAX_VALUE - 5);
    A afterWrap = new A("after", Long.MIN_VALUE + 5); // 11 ns later on System.nanoTime's circle
    AckDeadlines<A> d = holding(afterWrap, beforeWrap);
    assertEquals(beforeWrap.deadline(), d.earliest());
    assertEquals(List.of(beforeWrap), d.due(Long.MAX_VALUE));
    assertEquals(List.of(afterWrap), d.due(Long.MIN_VALUE + 5));
  }

  /** Random adds, removes and dues against a plain list: every entry leaves exactly once, in order. */
  @Test
  void aRandomMixMatchesAPlainList() {
    Random random = new Random(42);
    AckDeadlines<A> d = new AckDeadlines<>(A::deadline);
    List<A> model = new ArrayList<>();
    long now = 0;
    for (int i = 0; i < 20_000; i++) {
      int op = random.nextInt(3);
      if (op == 0 || model.isEmpty()) {
        A a = new A("n" + i, now + 1 + random.nextInt(1_000));
        d.add(a);
        model.add(a);
      } else if (op == 1) {
        A a = model.remove(random.nextInt(model.size()));
        assertTrue(d.remove(a));
      } else {
        now += random.nextInt(50);
        long at = now;
        List<A> expected = new ArrayList<>(model.stream().filter(a -> a.deadline() <= at).toList());
        expected.sort((x, y) -> Long.compare(x.deadline(), y.deadline()));
        List<A> got = d.due(now);
        assertEquals(expected.stream().map(A::deadline).toList(), got.stream().map(A::deadline).toList());
        assertTrue(model.containsAll(got));
        model.removeAll(got);
      }
      assertEquals(model.size(), d.size());
    }
  }
}
