package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Real loopback TCP: zero-copy sends, their completions, and the bytes on the other side. */
class ZeroCopyLoopbackTest {
  private static final int N = 16;
  private static final int SIZE = 64 * 1024;

  @Test
  void completionsCoverExactlyTheIdsSentAndEveryByteArrives() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        NativeSocket s = NativeSocket.tcp4()) {
      assertTrue(s.setZeroCopy(true).enabled());
      assertTrue(s.zeroCopy(), "SO_ZEROCOPY reads back as set");
      CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
        try (Socket peer = server.accept(); InputStream in = peer.getInputStream()) {
          return in.readNBytes(N * SIZE);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      if (!s.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()))) {
        waitConnected(s);
      }
      NativeBuffer buf = NativeBuffer.allocate(N * SIZE);
      for (int i = 0; i < buf.length(); i++) {
        buf.byteBuffer().put(i, (byte) (i * 7 + 3));
      }
      SendVector v = new SendVector(4);
      int calls = 0;
      for (int i = 0; i < N; i++) {
        int off = i * SIZE;
        int left = SIZE;
        while (left > 0) {
          v.clear();
          v.add(buf, off, left);
          long n = s.send(v, true);
          if (n == NativeSocket.WOULD_BLOCK) {
            Thread.sleep(1);
            continue;
          }
          assertTrue(n > 0, "sent " + n);
          calls++;
          off += (int) n;
          left -= (int) n;
        }
      }
      byte[] got = received.get();
      for (int i = 0; i < got.length; i++) {
        assertEquals((byte) (i * 7 + 3), got[i], "byte " + i);
      }
      List<int[]> ranges = new ArrayList<>();
      long deadline = System.nanoTime() + 5_000_000_000L;
      long covered = 0;
      while (covered < calls && System.nanoTime() < deadline) {
        s.drainErrorQueue(new ErrorQueueHandler() {
          @Override public void onCompletion(int lo, int hi, boolean copied) {
            ranges.add(new int[] {lo, hi, copied ? 1 : 0});
          }
          @Override public void onOtherError(ExtendedError error) {
            throw new AssertionError("unexpected " + error);
          }
        }, 64);
        covered = ranges.stream().mapToLong(r -> SendIds.rangeLength(r[0], r[1])).sum();
        Thread.sleep(1);
      }
      assertEquals(calls, covered, "ids covered by completions " + ranges.stream().map(r -> r[0] + ".." + r[1]).toList());
      System.out.println("calls=" + calls + " ranges=" + ranges.stream().map(r -> r[0] + ".." + r[1] + (r[2] == 1 ? "c" : "")).toList());
      v.free();
      buf.release();
    }
  }

  static void waitConnected(NativeSocket s) throws Exception {
    try (Epoll ep = new Epoll(4)) {
      ep.add(s.fd(), Kernel.EPOLLOUT, 1);
      assertEquals(1, ep.waitFor(5000));
      s.finishConnect();
    }
  }
}
