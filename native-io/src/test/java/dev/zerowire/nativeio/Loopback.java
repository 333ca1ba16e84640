package dev.zerowire.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Connected pairs of real kernel sockets on loopback, made with {@link NativeSocket} only, and
 * the waiting that non-blocking sockets need (with epoll, bounded, never a bare sleep loop).
 */
final class Loopback {
  private Loopback() {}

  static final int TIMEOUT_MS = 5_000;

  /** Two connected sockets: the one a test sends on, and its peer. Closing the pair closes both. */
  record Pair(NativeSocket sender, NativeSocket receiver) implements AutoCloseable {
    @Override
    public void close() {
      sender.close();
      receiver.close();
    }
  }

  /**
   * A TCP connection on loopback of {@code t}'s family. {@code configure} runs on the client
   * and on the listener (whose options the accepted socket inherits) before connecting, for
   * buffer sizes that must be set before the handshake.
   */
  static Pair tcp(Transport t, SocketOptions configure) throws IOException {
    assertTrue(t.isStream(), t + " is not TCP");
    NativeSocket client = t.open();
    try (NativeSocket listener = t.open()) {
      configure.apply(listener);
      configure.apply(client);
      listener.bind(new InetSocketAddress(t.loopback(), 0));
      listener.listen(1);
      boolean connected = client.connect(listener.localAddress());
      NativeSocket accepted = acceptOne(listener);
      if (!connected) {
        awaitEvent(client, Kernel.EPOLLOUT);
        client.finishConnect();
      }
      return new Pair(client, accepted);
    } catch (IOException | RuntimeException | Error e) {
      client.close();
      throw e;
    }
  }

  static Pair tcp(Transport t) throws IOException {
    return tcp(t, s -> {});
  }

  /** A UDP sender connected to a receiver bound on loopback. */
  static Pair udp(Transport t) throws IOException {
    assertTrue(!t.isStream(), t + " is not UDP");
    NativeSocket receiver = t.open();
    NativeSocket sender = null;
    try {
      receiver.bind(new InetSocketAddress(t.loopback(), 0));
      sender = t.open();
      assertTrue(sender.connect(receiver.localAddress()), "UDP connect completes at once");
      return new Pair(sender, receiver);
    } catch (IOException | RuntimeException | Error e) {
      receiver.close();
      if (sender != null) {
        sender.close();
      }
      throw e;
    }
  }

  /**
   * A loopback port of {@code t}'s protocol where nothing listens: bound, then closed. (Another
   * process could take it in between; on a test machine that is rare, and shows as a failure.)
   */
  static InetSocketAddress closedPort(Transport t) throws IOException {
    try (NativeSocket s = t.open()) {
      s.bind(new InetSocketAddress(t.loopback(), 0));
      return (InetSocketAddress) s.localAddress();
    }
  }

  /** Options to set on a socket before it connects. */
  @FunctionalInterface
  interface SocketOptions {
    void apply(NativeSocket s) throws IOException;
  }

  static NativeSocket acceptOne(NativeSocket listener) throws IOException {
    NativeSocket s = listener.accept();
    if (s == null) {
      awaitEvent(listener, Kernel.EPOLLIN);
      s = listener.accept();
    }
    if (s == null) {
      fail("listener readable but accept found nothing");
    }
    return s;
  }

  /** Waits until {@code s} reports one of {@code mask}; returns the events seen. */
  static int awaitEvent(NativeSocket s, int mask) throws IOException {
    try (Epoll ep = new Epoll(1)) {
      ep.add(s.fd(), mask, 42);
      int n = ep.waitFor(TIMEOUT_MS);
      if (n == 0) {
        fail("no event " + Integer.toHexString(mask) + " on " + s + " within " + TIMEOUT_MS + " ms");
      }
      assertEquals(42, ep.token(0));
      return ep.events(0);
    }
  }

  /** Sends all of {@code [offset, offset+length)} of {@code buf}; returns the calls that wrote bytes. */
  static int sendFully(NativeSocket s, SendVector v, NativeBuffer buf, int offset, int length, boolean zeroCopy)
      throws IOException {
    int calls = 0;
    while (length > 0) {
      v.clear();
      v.add(buf, offset, length);
      long n = s.send(v, zeroCopy);
      if (n == NativeSocket.WOULD_BLOCK) {
        awaitEvent(s, Kernel.EPOLLOUT);
        continue;
      }
      assertTrue(n > 0, "send returned " + n);
      calls++;
      offset += (int) n;
      length -= (int) n;
    }
    return calls;
  }

  /** Reads what is readable now into {@code into[at..]}; returns bytes read (0 when nothing waits). */
  static int recvAvailable(NativeSocket s, NativeBuffer into, int at) throws IOException {
    int total = 0;
    while (at + total < into.length()) {
      long n = s.recv(into, at + total, into.length() - at - total);
      if (n == NativeSocket.WOULD_BLOCK || n == 0) {
        break;
      }
      total += (int) n;
    }
    return total;
  }

  /** Reads exactly {@code length} bytes into {@code into[at..]}, waiting as needed. */
  static void recvFully(NativeSocket s, NativeBuffer into, int at, int length) throws IOException {
    int end = at + length;
    while (at < end) {
      long n = s.recv(into, at, end - at);
      if (n == NativeSocket.WOULD_BLOCK) {
        awaitEvent(s, Kernel.EPOLLIN);
        continue;
      }
      assertTrue(n > 0, "unexpected end of stream with " + (end - at) + " bytes to go");
      at += (int) n;
    }
  }

  /** A buffer of {@code length} bytes filled with a pattern that depends on {@code seed}. */
  static NativeBuffer patterned(int length, int seed) {
    NativeBuffer b = NativeBuffer.allocate(length);
    java.nio.ByteBuffer bb = b.byteBuffer();
    for (int i = 0; i < length; i++) {
      bb.put(i, pattern(i, seed));
    }
    return b;
  }

  static byte pattern(int i, int seed) {
    return (byte) (i * 7 + (i >>> 8) * 13 + seed);
  }

  /** Asserts {@code got[at..at+length)} holds pattern bytes {@code from..} of {@code seed}. */
  static void assertPattern(NativeBuffer got, int at, int length, int from, int seed) {
    java.nio.ByteBuffer bb = got.byteBuffer();
    for (int i = 0; i < length; i++) {
      byte want = pattern(from + i, seed);
      if (bb.get(at + i) != want) {
        fail("byte " + (from + i) + " (seed " + seed + "): want " + want + ", got " + bb.get(at + i));
      }
    }
  }
}
