package dev.zerowire.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zerowire.nativeio.ExtendedError;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The floor's in-flight table: a slot comes back only when a completion names its id. */
class ZeroCopySlotsTest {
  @Test
  void aSlotIsFreeAgainOnlyWhenItsIdCompletes() {
    ZeroCopySlots slots = new ZeroCopySlots(3);
    int a = slots.take();
    int b = slots.take();
    int c = slots.take();
    assertEquals(Set.of(0, 1, 2), new HashSet<>(java.util.List.of(a, b, c)));
    assertEquals(-1, slots.take(), "every slot is out");
    slots.sentZeroCopy(a); // id 0
    slots.sentZeroCopy(b); // id 1
    slots.sentZeroCopy(c); // id 2
    assertEquals(3, slots.inFlight());
    slots.onCompletion(1, 1, false);
    assertEquals(b, slots.take(), "id 1 was slot b's");
    assertEquals(-1, slots.take());
    slots.onCompletion(0, 0, true);
    slots.onCompletion(2, 2, false);
    assertEquals(1, slots.inFlight(), "only the slot taken again is out");
    assertEquals(3, slots.completedIds());
    assertEquals(1, slots.copiedIds());
    assertEquals(3, slots.sentIds());
  }

  @Test
  void aRangeFreesEverySlotItNames() {
    ZeroCopySlots slots = new ZeroCopySlots(4);
    for (int i = 0; i < 4; i++) {
      slots.sentZeroCopy(slots.take());
    }
    slots.onCompletion(0, 3, false);
    assertEquals(0, slots.inFlight());
    assertEquals(4, slots.completedIds());
  }

  @Test
  void aCompletionForAnIdNotInFlightIsAnError() {
    ZeroCopySlots slots = new ZeroCopySlots(2);
    slots.sentZeroCopy(slots.take()); // id 0
    assertThrows(IllegalStateException.class, () -> slots.onCompletion(0, 1, false), "id 1 was never sent");
    ZeroCopySlots again = new ZeroCopySlots(2);
    again.sentZeroCopy(again.take());
    again.onCompletion(0, 0, false);
    assertThrows(IllegalStateException.class, () -> again.onCompletion(0, 0, false), "id 0 completed twice");
  }

  @Test
  void aCopiedSlotGoesBackAtOnceButABusyOneCannot() {
    ZeroCopySlots slots = new ZeroCopySlots(1);
    int s = slots.take();
    slots.giveBack(s);
    int t = slots.take();
    slots.sentZeroCopy(t);
    assertThrows(IllegalStateException.class, () -> slots.giveBack(t));
  }

  @Test
  void otherErrorsAreCountedNotTakenForCompletions() {
    ZeroCopySlots slots = new ZeroCopySlots(1);
    slots.sentZeroCopy(slots.take());
    ExtendedError e = new ExtendedError(-1, -1, 0, 0, 0, 0, 0, 0, true); // MSG_CTRUNC
    slots.onOtherError(e);
    assertEquals(1, slots.otherErrors());
    assertEquals(1, slots.inFlight());
    assertEquals(e, slots.firstOtherError());
  }
}
