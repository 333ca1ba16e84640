package dev.zerowire.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.pekko.actor.Cancellable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The default dispatcher's executor on its own: a short run's first task continues on its thread,
 * anything else starts a thread of its own, and no task is lost, run twice or left an interrupt.
 */
class VirtualThreadPerTaskTest {
  private static final long WAIT_S = 30; // a bound for the waits, never a timing claim
  private static final long NEVER = Long.MAX_VALUE; // no long-task hand-off: what a test checks is not timing

  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
  private VirtualThreadPerTask.Executor executor;

  private VirtualThreadPerTask.Executor executor(long handOffAfterNanos) {
    return executor(handOffAfterNanos, NEVER);
  }

  private VirtualThreadPerTask.Executor executor(long handOffAfterNanos, long stealAfterNanos) {
    executor = new VirtualThreadPerTask.Executor(
        Thread.ofVirtual().name("t").uncaughtExceptionHandler((t, e) -> uncaught.add(e)).factory(), handOffAfterNanos,
        stealAfterNanos);
    return executor;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (executor != null) {
      executor.shutdown();
      assertTrue(executor.awaitTermination(WAIT_S, TimeUnit.SECONDS), "threads did not end after shutdown");
      assertTrue(executor.isTerminated());
    }
  }

  @Test
  void aRunsFirstTasksRunAfterItOnTheSameThreadInOrderAndTheNextOnAnother() throws Exception {
    var ex = executor(NEVER);
    int deferred = VirtualThreadPerTask.DEFER;
    AtomicReference<Thread> first = new AtomicReference<>();
    List<Thread> ranOn = new CopyOnWriteArrayList<>();
    List<Integer> order = new CopyOnWriteArrayList<>();
    AtomicReference<Thread> beyond = new AtomicReference<>();
    AtomicBoolean firstEnded = new AtomicBoolean();
    AtomicBoolean deferredSawFirstEnded = new AtomicBoolean(true);
    CountDownLatch done = new CountDownLatch(deferred + 2);
    ex.execute(() -> {
      first.set(Thread.currentThread());
      for (int i = 0; i < deferred; i++) {
        int n = i;
        ex.execute(() -> {
          ranOn.add(Thread.currentThread());
          order.add(n);
          if (!firstEnded.get()) {
            deferredSawFirstEnded.set(false);
          }
          done.countDown();
        });
      }
      ex.execute(() -> {
        beyond.set(Thread.currentThread());
        done.countDown();
      });
      firstEnded.set(true);
      done.countDown();
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertTrue(first.get().isVirtual());
    assertEquals(deferred, ranOn.size());
    for (Thread t : ranOn) {
      assertSame(first.get(), t, "the run's first tasks continue on its thread");
    }
    assertEquals(IntStream.range(0, deferred).boxed().toList(), order, "in the order submitted");
    assertTrue(deferredSawFirstEnded.get(), "after the run, not inside it");
    assertNotSame(first.get(), beyond.get(), "a task past the slots starts a thread of its own");
    assertTrue(beyond.get().isVirtual());
  }

  @Test
  void aTaskFromOutsideStartsAThreadOfItsOwn() throws Exception {
    var ex = executor(NEVER);
    AtomicReference<Thread> ran = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    ex.execute(() -> {
      ran.set(Thread.currentThread());
      done.countDown();
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertNotSame(Thread.currentThread(), ran.get());
    assertTrue(ran.get().isVirtual());
    assertEquals("t", ran.get().getName());
  }

  /**
   * After {@code handOffFromNowOn} a task's tells start threads of their own at once, however
   * short it has run, and only for that task: the task waits for what it handed off (which a
   * deferred task, run only after it, could never do here: nothing sweeps), and the next task of
   * the same run defers again.
   */
  @Test
  void aTaskThatHandsOffStartsItsTellsBesideItUntilItEnds() throws Exception {
    var ex = executor(NEVER);
    AtomicReference<Thread> first = new AtomicReference<>();
    AtomicReference<Thread> handedOff = new AtomicReference<>();
    AtomicReference<Thread> deferredAgain = new AtomicReference<>();
    AtomicBoolean waited = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    ex.execute(() -> {
      first.set(Thread.currentThread());
      ex.execute(() -> { // the run's next task, deferred: the hand-off must not reach it
        ex.execute(() -> {
          deferredAgain.set(Thread.currentThread());
          done.countDown();
        });
      });
      VirtualThreadPerTask.handOffFromNowOn();
      CountDownLatch ran = new CountDownLatch(1);
      ex.execute(() -> {
        handedOff.set(Thread.currentThread());
        ran.countDown();
      });
      try {
        waited.set(ran.await(WAIT_S, TimeUnit.SECONDS)); // deferred, it would run only after this returns
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    assertTrue(done.await(WAIT_S * 2, TimeUnit.SECONDS));
    assertTrue(waited.get(), "the handed-off task ran while the task that handed it off waited");
    assertNotSame(first.get(), handedOff.get());
    assertSame(first.get(), deferredAgain.get(), "the next task of the run defers again");
  }

  @Test
  void aTaskFromALongRunStartsAThreadOfItsOwn() throws Exception {
    var ex = executor(TimeUnit.MILLISECONDS.toNanos(1));
    AtomicReference<Thread> first = new AtomicReference<>();
    AtomicReference<Thread> second = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    ex.execute(() -> {
      first.set(Thread.currentThread());
      try {
        Thread.sleep(5); // longer than the hand-off: a burst that must not hold back what it feeds
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      ex.execute(() -> {
        second.set(Thread.currentThread());
        done.countDown();
      });
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertNotSame(first.get(), second.get());
  }

  @Test
  void aChainOfTellsRunsEveryTaskOnceAndNoThreadRunsMoreThanTheChainBound() throws Exception {
    var ex = executor(NEVER);
    int n = VirtualThreadPerTask.CHAIN * 10 + 3;
    Map<Thread, AtomicInteger> perThread = new ConcurrentHashMap<>();
    AtomicInteger ran = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    Runnable[] hop = new Runnable[1];
    hop[0] = () -> { // a ping-pong: each task tells the next, forever if nothing bounded it
      perThread.computeIfAbsent(Thread.currentThread(), t -> new AtomicInteger()).incrementAndGet();
      if (ran.incrementAndGet() < n) {
        ex.execute(hop[0]);
      } else {
        done.countDown();
      }
    };
    ex.execute(hop[0]);
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertEquals(n, ran.get());
    assertEquals(n, perThread.values().stream().mapToInt(AtomicInteger::get).sum(), "each task once");
    for (AtomicInteger c : perThread.values()) {
      assertTrue(c.get() <= VirtualThreadPerTask.CHAIN, "a thread ran " + c.get() + " tasks");
    }
    assertEquals(11, perThread.size(), "with no hand-off for time, each thread runs the whole chain bound");
  }

  @Test
  void aTaskThatThrowsLosesNeitherTheTaskItDeferredNorTheError() throws Exception {
    var ex = executor(NEVER);
    CountDownLatch done = new CountDownLatch(1);
    ex.execute(() -> {
      ex.execute(done::countDown);
      throw new IllegalStateException("boom");
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS), "the deferred task ran");
    assertEquals(1, uncaught.size());
    assertEquals("boom", uncaught.get(0).getMessage());
  }

  @Test
  void anInterruptMeantForOneTaskDoesNotReachTheNext() throws Exception {
    var ex = executor(NEVER);
    AtomicBoolean nextSawInterrupt = new AtomicBoolean(true);
    AtomicReference<Thread> first = new AtomicReference<>();
    AtomicReference<Thread> second = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    ex.execute(() -> {
      first.set(Thread.currentThread());
      ex.execute(() -> {
        second.set(Thread.currentThread());
        nextSawInterrupt.set(Thread.currentThread().isInterrupted());
        done.countDown();
      });
      Thread.currentThread().interrupt();
    });
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertSame(first.get(), second.get());
    assertFalse(nextSawInterrupt.get());
  }

  @Test
  void theSweepStartsATaskDeferredBehindABlockedTask() throws Exception {
    var ex = executor(NEVER, TimeUnit.MILLISECONDS.toNanos(1));
    AtomicReference<Thread> blocked = new AtomicReference<>();
    AtomicReference<Thread> released = new AtomicReference<>();
    CountDownLatch answer = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    ex.execute(() -> {
      blocked.set(Thread.currentThread());
      ex.execute(() -> { // deferred: this run is short so far
        released.set(Thread.currentThread());
        answer.countDown();
      });
      try {
        answer.await(); // blocks on what the deferred task does: only the sweep can free it
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      done.countDown();
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (!done.await(5, TimeUnit.MILLISECONDS)) {
      assertTrue(System.nanoTime() < deadline, "the blocked task was never freed");
      ex.sweep(); // what Pekko's scheduler does every tick
    }
    assertNotSame(blocked.get(), released.get(), "the sweep gave the deferred task a thread of its own");
  }

  @Test
  void theSweepLeavesTasksDeferredBehindAShortTaskAndForgetsEndedRuns() throws Exception {
    var ex = executor(NEVER, NEVER);
    AtomicReference<Thread> first = new AtomicReference<>();
    AtomicReference<Thread> second = new AtomicReference<>();
    CountDownLatch swept = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    ex.execute(() -> {
      first.set(Thread.currentThread());
      ex.execute(() -> {
        second.set(Thread.currentThread());
        done.countDown();
      });
      ex.sweep(); // while the task it waits behind is running: not old enough to take
      swept.countDown();
    });
    assertTrue(swept.await(WAIT_S, TimeUnit.SECONDS));
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertSame(first.get(), second.get(), "the run kept its deferred task");
    first.get().join(); // the run has ended
    assertEquals(1, ex.deferringRuns());
    ex.sweep();
    assertEquals(0, ex.deferringRuns(), "an ended run is forgotten");
  }

  @Test
  void runsThatEndedAreForgottenWithoutTheSweep() throws Exception {
    var ex = executor(NEVER, NEVER); // nothing calls sweep here, as under a test's manual scheduler
    for (int i = 0; i < 10_000; i++) {
      CountDownLatch done = new CountDownLatch(1);
      ex.execute(() -> ex.execute(done::countDown)); // each run defers one task: it registers
      assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    }
    // A run marks itself ended just after its last task: one preempted there keeps those behind it
    // until a later registration finds it ended. More rounds, bounded, let that happen.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (ex.deferringRuns() >= 10 && System.nanoTime() < deadline) {
      CountDownLatch done = new CountDownLatch(1);
      ex.execute(() -> ex.execute(done::countDown));
      assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
      Thread.sleep(1);
    }
    assertTrue(ex.deferringRuns() < 10, ex.deferringRuns() + " runs kept of 10,000 that ended");
  }

  @Test
  void shutdownRejectsNewTasksAndTerminatesWhenTheRunningOnesEnd() throws Exception {
    var ex = executor(NEVER);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    ex.execute(() -> {
      started.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    });
    AtomicBoolean sweepCancelled = new AtomicBoolean();
    ex.sweeper = new Cancellable() {
      @Override
      public boolean cancel() {
        return sweepCancelled.compareAndSet(false, true);
      }

      @Override
      public boolean isCancelled() {
        return sweepCancelled.get();
      }
    };
    assertTrue(started.await(WAIT_S, TimeUnit.SECONDS));
    ex.shutdown();
    assertTrue(ex.isShutdown());
    assertThrows(RejectedExecutionException.class, () -> ex.execute(() -> {}));
    assertFalse(ex.awaitTermination(20, TimeUnit.MILLISECONDS), "a task still runs");
    assertFalse(ex.isTerminated());
    ex.sweep();
    assertFalse(sweepCancelled.get(), "the sweep goes on while a thread runs: it may wait on a deferred task");
    release.countDown();
    assertTrue(ex.awaitTermination(WAIT_S, TimeUnit.SECONDS));
    ex.sweep();
    assertTrue(sweepCancelled.get(), "the sweep stops once every thread has ended");
  }

  /**
   * A borrowed run (the poller's): what its body submits, and what that submits, runs on the
   * calling thread after the body, in order, and only for one executor; then the thread is no
   * run any more.
   */
  @Test
  void aBorrowedRunKeepsItsChainOnTheCallingThreadForOneExecutorOnly() throws Exception {
    var ex = executor(NEVER);
    var other = new VirtualThreadPerTask.Executor(Thread.ofVirtual().factory(), NEVER, NEVER);
    Thread caller = Thread.currentThread();
    List<String> order = new CopyOnWriteArrayList<>();
    AtomicReference<Thread> ofOther = new AtomicReference<>();
    AtomicReference<Thread> afterwards = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(2);
    try {
      VirtualThreadPerTask.runHere(() -> {
        ex.execute(() -> {
          order.add("a on " + (Thread.currentThread() == caller));
          ex.execute(() -> order.add("c on " + (Thread.currentThread() == caller))); // the chain goes on here
        });
        ex.execute(() -> order.add("b on " + (Thread.currentThread() == caller)));
        other.execute(() -> { // bound to ex by the first task: another executor's task starts a thread
          ofOther.set(Thread.currentThread());
          done.countDown();
        });
        order.add("body");
      }, NEVER);
      assertEquals(List.of("body", "a on true", "b on true", "c on true"), order, "after the body, in order, here");
      ex.execute(() -> { // after runHere returned: this thread is no run, so a thread starts
        afterwards.set(Thread.currentThread());
        done.countDown();
      });
      assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
      assertTrue(ofOther.get().isVirtual(), "another executor's task is not taken: " + ofOther.get());
      assertTrue(afterwards.get().isVirtual(), "after the borrowed run: " + afterwards.get());
    } finally {
      other.shutdown();
      assertTrue(other.awaitTermination(WAIT_S, TimeUnit.SECONDS));
    }
  }

  /** Past its budget a borrowed run takes no more tasks: a busy poller hands the rest to threads. */
  @Test
  void aBorrowedRunPastItsBudgetStartsThreads() throws Exception {
    var ex = executor(NEVER);
    Thread caller = Thread.currentThread();
    AtomicReference<Thread> early = new AtomicReference<>();
    AtomicReference<Thread> late = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    VirtualThreadPerTask.runHere(() -> {
      ex.execute(() -> early.set(Thread.currentThread()));
      try {
        Thread.sleep(5); // past the 1 ms budget
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      ex.execute(() -> {
        late.set(Thread.currentThread());
        done.countDown();
      });
    }, TimeUnit.MILLISECONDS.toNanos(1));
    assertTrue(done.await(WAIT_S, TimeUnit.SECONDS));
    assertSame(caller, early.get(), "within the budget it runs here");
    assertNotSame(caller, late.get(), "past it, a thread of its own");
    assertTrue(late.get().isVirtual());
  }

  /** A borrowed run blocked in a task loses its deferred task to the sweep, as any run does. */
  @Test
  void theSweepFreesATaskDeferredBehindABlockedBorrowedRun() throws Exception {
    var ex = executor(NEVER, TimeUnit.MILLISECONDS.toNanos(1));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch deferredRan = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Thread borrower = Thread.ofPlatform().start(() -> VirtualThreadPerTask.runHere(() -> {
      ex.execute(() -> { // deferred behind the body, which blocks
        runs.incrementAndGet();
        deferredRan.countDown();
      });
      try {
        release.await(WAIT_S, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }, NEVER));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (deferredRan.getCount() > 0 && System.nanoTime() < deadline) {
        ex.sweep();
        Thread.sleep(2);
      }
      assertTrue(deferredRan.await(0, TimeUnit.SECONDS), "the sweep never freed the deferred task");
    } finally {
      release.countDown();
      borrower.join(TimeUnit.SECONDS.toMillis(WAIT_S));
    }
    assertFalse(borrower.isAlive());
    assertEquals(1, runs.get(), "run once: by the sweep's thread, not again by the borrower");
  }
}
