package dev.zerowire.streams;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import org.apache.pekko.japi.Pair;
import org.junit.jupiter.api.BeforeAll;

/** The connection contract over TCP/IPv6 loopback. Skipped, visibly, where ::1 is missing. */
class Tcp6ConnectionTest extends ConnectionContract {
  @BeforeAll
  static void start() {
    boolean v6;
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
      s.bind(new InetSocketAddress("::1", 0));
      v6 = true;
    } catch (Exception e) {
      v6 = false;
    }
    assumeTrue(v6, "IPv6 loopback (::1) is not available on this machine");
    startKit("Tcp6ConnectionTest");
  }

  @Override
  SocketAddress peerAddress() {
    return new InetSocketAddress("::1", 0);
  }

  @Override
  SocketAddress bindAddress() {
    return new InetSocketAddress("::1", 0);
  }

  @Override
  Pair<SocketAddress, String> refusedAddress() throws IOException {
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
      s.bind(new InetSocketAddress("::1", 0));
      return Pair.create(s.getLocalAddress(), "ECONNREFUSED");
    }
  }

  @Override
  long largeBytes() {
    return 16L << 20; // the full 64 MiB runs over IPv4 and AF_UNIX; here the same paths over v6
  }
}
