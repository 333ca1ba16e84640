package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Gathering sends: several buffers in one sendmsg arrive as their concatenation. */
class SendVectorTest {

  /** Pieces of different sizes from different buffers, zero-length ones among them. */
  @ParameterizedTest(name = "zeroCopy={0}")
  @ValueSource(booleans = {false, true})
  void gatherArrivesAsTheConcatenationOverTcp(boolean zeroCopy) throws Exception {
    LoopbackCapability.assume(Transport.TCP4);
    try (Loopback.Pair p = Loopback.tcp(Transport.TCP4)) {
      if (zeroCopy) {
        assertTrue(p.sender().setZeroCopy(true).enabled());
      }
      int calls = gatherAndCheck(p.sender(), p.receiver());
      Completions c = new Completions().drainUntil(p.sender(), zeroCopy ? calls : 1, zeroCopy ? Loopback.TIMEOUT_MS : 100);
      c.assertExactlyIds(zeroCopy ? calls : 0, "gather, zeroCopy=" + zeroCopy);
    }
  }

  @Test
  void gatherArrivesAsTheConcatenationOverAUnixSocketpair() throws Exception {
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    try (NativeSocket a = pair[0]; NativeSocket b = pair[1]) {
      gatherAndCheck(a, b);
    }
  }

  /**
   * Sends 5 buffers (one of them empty) and a piece of one of them as one vector; returns the
   * calls that wrote bytes. A partial write (the kernel may take less) is finished by sending the
   * unsent tail of the same pieces, reading the receiver whenever the sender would block.
   */
  private static int gatherAndCheck(NativeSocket sender, NativeSocket receiver) throws IOException {
    int[] sizes = {12, 0, 4096, 1, 70_000};
    NativeBuffer[] parts = new NativeBuffer[sizes.length];
    List<NativeBuffer> pieces = new ArrayList<>();
    SendVector v = new SendVector(8);
    int total = 0;
    for (int i = 0; i < sizes.length; i++) {
      parts[i] = Loopback.patterned(sizes[i], 100 + i);
      pieces.add(parts[i].slice(0, sizes[i]));
      total += sizes[i];
    }
    pieces.add(parts[4].slice(100, 50)); // a piece of a buffer already in the vector
    total += 50;
    NativeBuffer got = NativeBuffer.allocate(total);
    try {
      for (NativeBuffer piece : pieces) {
        assertTrue(v.add(piece, 0, piece.length()));
      }
      assertEquals(pieces.size() - 1, v.count(), "the zero-length entry is skipped");
      assertEquals(total, v.totalBytes());
      int calls = 0;
      int sent = 0;
      int received = 0;
      while (sent < total) {
        long n = sender.send(v, sender.isZeroCopyEnabled());
        if (n == NativeSocket.WOULD_BLOCK) {
          received += Loopback.recvAvailable(receiver, got, received);
          continue;
        }
        assertTrue(n > 0, "sent " + n);
        calls++;
        sent += (int) n;
        refill(v, pieces, sent);
      }
      Loopback.recvFully(receiver, got, received, total - received);
      int at = 0;
      for (int i = 0; i < sizes.length; i++) {
        Loopback.assertPattern(got, at, sizes[i], 0, 100 + i);
        at += sizes[i];
      }
      Loopback.assertPattern(got, at, 50, 100, 104);
      return calls;
    } finally {
      v.free();
      got.release();
      for (NativeBuffer b : parts) {
        b.release();
      }
    }
  }

  /** Fills {@code v} with what follows the first {@code skip} bytes of {@code pieces}. */
  private static void refill(SendVector v, List<NativeBuffer> pieces, int skip) {
    v.clear();
    for (NativeBuffer piece : pieces) {
      if (skip >= piece.length()) {
        skip -= piece.length();
        continue;
      }
      assertTrue(v.add(piece, skip, piece.length() - skip));
      skip = 0;
    }
  }

  @Test
  void addReturnsFalseWhenFullAndAddsNothing() {
    NativeBuffer b = NativeBuffer.allocate(64);
    SendVector v = new SendVector(2);
    try {
      assertEquals(2, v.capacity());
      assertTrue(v.add(b, 0, 10));
      assertFalse(v.isFull());
      assertTrue(v.add(b, 10, 20));
      assertTrue(v.isFull());
      assertFalse(v.add(b, 30, 5), "full");
      assertEquals(2, v.count());
      assertEquals(30, v.totalBytes(), "the refused entry is not counted");
      assertTrue(v.add(b, 30, 0), "a zero-length entry is skipped even when full");
      assertEquals(2, v.count());
      v.clear();
      assertEquals(0, v.count());
      assertEquals(0, v.totalBytes());
      assertFalse(v.isFull());
      assertTrue(v.add(b, 0, 64));
    } finally {
      v.free();
      b.release();
    }
  }

  @Test
  void capacityAndArgumentsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new SendVector(0));
    assertThrows(IllegalArgumentException.class, () -> new SendVector(Kernel.UIO_MAXIOV + 1));
    new SendVector(Kernel.UIO_MAXIOV).free();
    NativeBuffer b = NativeBuffer.allocate(16);
    SendVector v = new SendVector(1);
    try {
      assertThrows(IllegalArgumentException.class, () -> v.add(b.address(), -1));
      assertThrows(IndexOutOfBoundsException.class, () -> v.add(b, 10, 7));
      assertThrows(IndexOutOfBoundsException.class, () -> v.add(b, -1, 2));
      assertEquals(0, v.count());
    } finally {
      v.free();
      b.release();
    }
  }

  /** The iovec array grows past its first 64 entries: msg_iov follows it and every entry is kept. */
  @Test
  void growingKeepsEveryEntryAndPointsTheHeaderAtTheNewArray() {
    SendVector v = new SendVector(200);
    try {
      for (int i = 0; i < 150; i++) {
        assertTrue(v.add(0x10_000L + i * 100L, i + 1));
      }
      long msghdr = v.prepare();
      com.sun.jna.Pointer h = new com.sun.jna.Pointer(msghdr);
      assertEquals(msghdr + SendVector.MSGHDR_SIZE, h.getLong(16), "msg_iov points into the grown block");
      assertEquals(150, h.getLong(24), "msg_iovlen");
      for (int i = 0; i < 150; i++) {
        long at = SendVector.MSGHDR_SIZE + (long) i * SendVector.IOVEC_SIZE;
        assertEquals(0x10_000L + i * 100L, h.getLong(at), "iov_base of entry " + i);
        assertEquals(i + 1, h.getLong(at + 8), "iov_len of entry " + i);
      }
      for (int i = 150; i < 200; i++) {
        assertTrue(v.add(1, 1));
      }
      assertTrue(v.isFull(), "grows to the capacity and no further");
      assertFalse(v.add(1, 1));
    } finally {
      v.free();
    }
  }

  /** A full UIO_MAXIOV vector of one-byte pieces is one sendmsg (the array grew four times on the way). */
  @Test
  void maximalVectorIsOneCall() throws Exception {
    NativeBuffer b = Loopback.patterned(Kernel.UIO_MAXIOV, 9);
    NativeBuffer got = NativeBuffer.allocate(Kernel.UIO_MAXIOV);
    SendVector v = new SendVector(Kernel.UIO_MAXIOV);
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    try (NativeSocket a = pair[0]; NativeSocket r = pair[1]) {
      for (int i = 0; i < Kernel.UIO_MAXIOV; i++) {
        assertTrue(v.add(b, i, 1));
      }
      assertTrue(v.isFull());
      assertEquals(Kernel.UIO_MAXIOV, a.send(v, false));
      Loopback.recvFully(r, got, 0, Kernel.UIO_MAXIOV);
      Loopback.assertPattern(got, 0, Kernel.UIO_MAXIOV, 0, 9);
    } finally {
      v.free();
      b.release();
      got.release();
    }
  }

  @Test
  void useAfterFreeFailsCleanly() throws Exception {
    NativeBuffer b = NativeBuffer.allocate(16);
    SendVector v = new SendVector(2);
    v.add(b, 0, 8);
    v.free();
    v.free(); // idempotent
    NativeSocket[] pair = NativeSocket.socketpair(Kernel.SOCK_STREAM);
    try (NativeSocket a = pair[0]; NativeSocket r = pair[1]) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.send(v, false));
      assertTrue(e.getMessage().contains("after free"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> v.add(b, 8, 8));
      assertEquals(NativeSocket.WOULD_BLOCK, r.recv(b, 0, 16), "nothing was sent");
    } finally {
      b.release();
    }
  }

  @Test
  void addingAReleasedBufferFailsCleanly() {
    NativeBuffer b = NativeBuffer.allocate(16);
    SendVector v = new SendVector(2);
    try {
      b.release();
      assertThrows(IllegalStateException.class, () -> v.add(b, 0, 8));
      assertEquals(0, v.count());
    } finally {
      v.free();
    }
  }
}
