package dev.zerowire.actors;

import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.time.Duration;

/**
 * What a test's plain (non-actor) peer socket does the slow way: accept a connection, write all of
 * a buffer waiting out EAGAIN, wait until the other side has it. Every wait is bounded.
 */
public final class PlainPeer {
  private PlainPeer() {}

  private static final Duration LIMIT = Duration.ofSeconds(30);

  /** The next connection on the non-blocking {@code listener}, waiting up to 30 s. */
  public static NativeSocket acceptOne(NativeSocket listener) throws Exception {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (true) {
      NativeSocket a = listener.accept();
      if (a != null) {
        return a;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no connection to accept in " + LIMIT.toSeconds() + " s");
      }
      Thread.sleep(1);
    }
  }

  /** Writes {@code [off, off+len)} of {@code b} on the non-blocking {@code s}, retrying on EAGAIN. */
  public static void writeAll(NativeSocket s, NativeBuffer b, int off, int len) throws Exception {
    SendVector v = new SendVector(1);
    try {
      long deadline = System.nanoTime() + LIMIT.toNanos();
      int done = 0;
      while (done < len) {
        v.clear();
        v.add(b, off + done, len - done);
        long w = s.send(v, false);
        if (w == NativeSocket.WOULD_BLOCK) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("the peer could not write " + len + " bytes in " + LIMIT.toSeconds() + " s");
          }
          Thread.sleep(1);
        } else {
          done += (int) w;
        }
      }
    } finally {
      v.free();
    }
  }

  /** {@link #writeAll} of a byte array. */
  public static void writeAll(NativeSocket s, byte[] bytes) throws Exception {
    NativeBuffer b = NativeBuffer.allocate(bytes.length);
    try {
      b.put(0, bytes, 0, bytes.length);
      writeAll(s, b, 0, bytes.length);
    } finally {
      b.release();
    }
  }

  /**
   * Waits until the other side's kernel holds every byte written. TCP: SIOCOUTQ reaches 0 when all
   * is acknowledged, i.e. in the receiver's queue (a close before that would discard our own
   * unsent bytes). AF_UNIX queues a send on the receiver at once, and its SIOCOUTQ counts what the
   * receiver has not read yet, so there is nothing to wait for.
   */
  public static void awaitTakenByPeer(NativeSocket s) throws Exception {
    if (s.isUnix()) {
      return;
    }
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (s.unsentBytes() > 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the other side never took our bytes");
      }
      Thread.sleep(1);
    }
  }
}
