package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The drain cycle of {@link CompletionInbox}: who holds it, and that an EPOLLERR folded into an
 * open cycle is never forgotten. The real sockets' part (every zero-copy Send released through
 * the paced reaper) is in the socket contract's zero-copy tests.
 */
class CompletionInboxTest {

  @Test
  void theFirstErrorOpensACycleLaterOnesFoldIntoIt() {
    CompletionInbox inbox = new CompletionInbox();
    assertTrue(inbox.errorQueueReady(), "IDLE: the poller must tell the reaper");
    assertFalse(inbox.errorQueueReady(), "a cycle is open: no message");
    assertFalse(inbox.errorQueueReady());
    assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(true, false), "an EPOLLERR came meanwhile: drain again");
    assertEquals(CompletionInbox.End.OVER, inbox.endCycle(true, false), "nothing came since: the cycle is over");
    assertTrue(inbox.errorQueueReady(), "IDLE again: a new cycle");
  }

  @Test
  void aCycleWithoutNewErrorsEndsAtOnce() {
    CompletionInbox inbox = new CompletionInbox();
    assertTrue(inbox.errorQueueReady());
    assertEquals(CompletionInbox.End.OVER, inbox.endCycle(true, false));
    assertTrue(inbox.errorQueueReady());
  }

  @Test
  void aDrainCutAtItsLimitDrainsAgain() {
    CompletionInbox inbox = new CompletionInbox();
    assertTrue(inbox.errorQueueReady());
    inbox.drainAgain();
    assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(true, false), "the limit left messages queued");
    assertEquals(CompletionInbox.End.OVER, inbox.endCycle(true, false));
  }

  @Test
  void quietOnlyDuringAnOpenCycleAndOnceAndTheEndRearms() {
    CompletionInbox inbox = new CompletionInbox();
    assertFalse(inbox.quiet(), "no cycle: nothing to be quiet for");
    assertTrue(inbox.errorQueueReady());
    assertFalse(inbox.errorQueueReady());
    assertTrue(inbox.quiet(), "an EPOLLERR during the cycle: the poller makes the registration one-shot");
    assertTrue(inbox.quieted());
    assertFalse(inbox.quiet(), "once is enough");
    assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(true, false), "quiet does not end the cycle");
    assertTrue(inbox.quieted(), "still quiet while the cycle goes on");
    assertFalse(inbox.errorQueueReady(), "the one-shot's last event folds in");
    assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(false, false));
    assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(true, false), "quiet, and completions came: drain again");
    assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(true, false));
    assertTrue(inbox.quieted());
    assertEquals(CompletionInbox.End.OVER_REARM, inbox.endCycle(false, false), "a drain found nothing: re-arm");
    assertFalse(inbox.quieted());
    assertTrue(inbox.errorQueueReady(), "and the next EPOLLERR opens a new cycle");
    assertEquals(CompletionInbox.End.OVER, inbox.endCycle(true, false), "not quiet: a batch alone does not go on");
  }

  /**
   * A socket that awaits readiness (room, inbound data, a close) never keeps a quiet cycle going:
   * while quiet its registration reports nothing, so the cycle must end and re-arm it even though
   * completions keep coming.
   */
  @Test
  void aQuietCycleEndsWhenTheSocketAwaitsReadinessEvenWithCompletions() {
    CompletionInbox inbox = new CompletionInbox();
    assertTrue(inbox.errorQueueReady());
    assertFalse(inbox.errorQueueReady());
    assertTrue(inbox.quiet());
    assertEquals(CompletionInbox.End.AGAIN, inbox.endCycle(true, true), "the EPOLLERR that came meanwhile still counts");
    assertEquals(CompletionInbox.End.OVER_REARM, inbox.endCycle(true, true), "completions came, but the socket waits");
    assertFalse(inbox.quieted());
  }

  /**
   * A poller (this thread) and a holder thread race: after every EPOLLERR the poller reports, the
   * holder must drain for it, either because it started a cycle or because the holder sees "drain
   * again" before its cycle ends. An error folded into a cycle that then ended without a drain
   * would wait here forever (bounded: it fails after 10 s).
   */
  @Test
  void everyErrorIsDrainedForWhenPollerAndHolderRace() throws Exception {
    CompletionInbox inbox = new CompletionInbox();
    AtomicLong undrained = new AtomicLong(); // EPOLLERRs reported and not yet drained for
    AtomicInteger cycles = new AtomicInteger(); // open cycles the holder must work on
    AtomicBoolean done = new AtomicBoolean();
    Thread holder = new Thread(() -> {
      while (!done.get()) {
        if (cycles.get() > 0) {
          undrained.set(0); // a drain reads whatever the kernel queued so far
          if (inbox.endCycle(true, false) != CompletionInbox.End.AGAIN) {
            cycles.decrementAndGet();
          }
        } else {
          Thread.onSpinWait();
        }
      }
    });
    holder.start();
    try {
      for (int i = 0; i < 100_000; i++) {
        undrained.incrementAndGet();
        if (inbox.errorQueueReady()) {
          cycles.incrementAndGet();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (undrained.get() != 0) {
          if (System.nanoTime() > deadline) {
            fail("EPOLLERR " + i + " was folded into a cycle that ended without draining for it");
          }
          Thread.onSpinWait();
        }
      }
    } finally {
      done.set(true);
      holder.join(10_000);
    }
  }
}
