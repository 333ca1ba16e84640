package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatcher's executor on its own: no task lost, local work stays local, backlog spreads. */
class VirtualThreadLoopsTest {
  private static final long WAIT_S = 30; // a bound for the waits, never a timing claim

  private VirtualThreadLoops.Executor loops;

  @AfterEach
  void stop() throws InterruptedException {
    if (loops != null) {
      loops.shutdown();
      assertTrue(loops.awaitTermination(WAIT_S, TimeUnit.SECONDS), "loops did not end after shutdown");
    }
  }

  @Test
  void everyTaskFromManyOutsideThreadsRunsOnceOnAVirtualThread() throws Exception {
    loops = new VirtualThreadLoops.Executor("t", 2);
    int threads = 4;
    int each = 20_000;
    AtomicInteger ran = new AtomicInteger();
    AtomicInteger onPlatform = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(threads * each);
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      ts[t] = Thread.ofPlatform().start(() -> {
        for (int i = 0; i < each; i++) {
          loops.execute(() -> {
            if (!Thread.currentThread().isVirtual()) {
              onPlatform.incrementAndGet();
            }
            ran.incrementAndGet();
            done.countDown();
          });
          if (i % 1000 == 0) {
            Thread.onSpinWait(); // let the loops go idle now and then: the park/wake path must hold
          }
        }
      });
    }
    for (Thread t : ts) {
      t.join();
    }
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "tasks lost: " + done.getCount() + " never ran");
    assertEquals(threads * each, ran.get());
    assertEquals(0, onPlatform.get(), "tasks ran off the virtual-thread loops");
  }

  @Test
  void aTaskSubmittedFromALoopRunsOnThatLoopAfterTheCurrentOne() throws Exception {
    // Without the long-task hand-off: a first task that loads classes may run past its threshold
    // (aTaskSubmittedByALongTaskRunsBesideItOnAnIdleLoop tests that rule).
    loops = new VirtualThreadLoops.Executor("t", 2, Long.MAX_VALUE);
    AtomicReference<Thread> first = new AtomicReference<>();
    AtomicReference<Thread> second = new AtomicReference<>();
    AtomicInteger order = new AtomicInteger();
    AtomicInteger secondSaw = new AtomicInteger(-1);
    CountDownLatch done = new CountDownLatch(1);
    loops.execute(() -> {
      first.set(Thread.currentThread());
      loops.execute(() -> {
        second.set(Thread.currentThread());
        secondSaw.set(order.get());
        done.countDown();
      });
      order.set(1); // the chained task must not have started yet: it waits for this one
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertSame(first.get(), second.get(), "a chained task went to another loop");
    assertEquals(1, secondSaw.get(), "the chained task ran before the task that submitted it returned");
  }

  @Test
  void aBacklogOnOneLoopSpreadsToAnIdleLoop() throws Exception {
    loops = new VirtualThreadLoops.Executor("t", 2);
    int tasks = 64;
    Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(tasks);
    awaitIdle(2); // spreading needs a loop that is idle when the backlog forms
    loops.execute(() -> {
      for (int i = 0; i < tasks; i++) {
        loops.execute(() -> {
          ranOn.add(Thread.currentThread());
          try { // hold this loop so that only spreading lets the other one help
            release.await(WAIT_S, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          done.countDown();
        });
      }
    });
    // Both loops must end up running these tasks: the backlog is all on one loop's own queue.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (ranOn.size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    release.countDown();
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertEquals(2, ranOn.size(), "the idle loop never took any of the backlog");
  }

  @Test
  void aTaskSubmittedByALongTaskRunsBesideItOnAnIdleLoop() throws Exception {
    loops = new VirtualThreadLoops.Executor("t", 2);
    awaitIdle(2);
    CountDownLatch innerRan = new CountDownLatch(1);
    AtomicReference<Thread> outer = new AtomicReference<>();
    AtomicReference<Thread> inner = new AtomicReference<>();
    AtomicReference<Boolean> sawInner = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    loops.execute(() -> {
      outer.set(Thread.currentThread());
      long until = System.nanoTime() + 4 * VirtualThreadLoops.HAND_OFF_AFTER_NANOS;
      while (System.nanoTime() < until) {
        Thread.onSpinWait(); // a long burst of work, as a socket actor reading 1 MiB
      }
      loops.execute(() -> {
        inner.set(Thread.currentThread());
        innerRan.countDown();
      });
      try { // the submitter still runs: only another loop can run the task now
        sawInner.set(innerRan.await(WAIT_S, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      done.countDown();
    });
    assertTrue(done.await(2 * WAIT_S, TimeUnit.SECONDS));
    assertTrue(sawInner.get(), "the task waited behind the long task that submitted it");
    assertNotSame(outer.get(), inner.get());
  }

  private void awaitIdle(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (loops.idleLoops() < n && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertEquals(n, loops.idleLoops(), "loops with nothing to do did not park");
  }

  @Test
  void aThrowingTaskDoesNotStopItsLoop() throws Exception {
    loops = new VirtualThreadLoops.Executor("t", 1);
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Thread> thrower = new AtomicReference<>();
    AtomicReference<Thread> after = new AtomicReference<>();
    Thread.UncaughtExceptionHandler quiet = (t, e) -> { };
    loops.execute(() -> {
      thrower.set(Thread.currentThread());
      Thread.currentThread().setUncaughtExceptionHandler(quiet);
      throw new IllegalStateException("boom");
    });
    loops.execute(() -> {
      after.set(Thread.currentThread());
      done.countDown();
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "the loop died with the task");
    assertSame(thrower.get(), after.get());
  }

  @Test
  void shutdownRunsWhatWasQueuedThenRefusesAndEnds() throws Exception {
    loops = new VirtualThreadLoops.Executor("t", 2);
    CountDownLatch done = new CountDownLatch(100);
    for (int i = 0; i < 100; i++) {
      loops.execute(done::countDown);
    }
    loops.shutdown();
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "queued tasks were dropped at shutdown");
    assertThrows(RejectedExecutionException.class, () -> loops.execute(() -> { }));
    assertTrue(loops.awaitTermination(WAIT_S, TimeUnit.SECONDS));
    assertTrue(loops.isTerminated());
  }

  @Test
  void idleLoopsParkAndAreWokenByOneTask() throws Exception {
    loops = new VirtualThreadLoops.Executor("t", 2);
    awaitIdle(2);
    AtomicReference<Thread> ran = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    loops.execute(() -> {
      ran.set(Thread.currentThread());
      done.countDown();
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "a task to parked loops never ran");
    assertTrue(ran.get().isVirtual());
    assertNotSame(Thread.currentThread(), ran.get());
    assertFalse(loops.isShutdown());
  }
}
