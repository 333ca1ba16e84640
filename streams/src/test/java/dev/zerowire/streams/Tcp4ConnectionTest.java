package dev.zerowire.streams;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.apache.pekko.japi.Pair;
import org.junit.jupiter.api.BeforeAll;

/** The connection contract over TCP/IPv4 loopback. */
class Tcp4ConnectionTest extends ConnectionContract {
  @BeforeAll
  static void start() {
    startKit("Tcp4ConnectionTest");
  }

  @Override
  SocketAddress peerAddress() {
    return new InetSocketAddress("127.0.0.1", 0);
  }

  @Override
  SocketAddress bindAddress() {
    return new InetSocketAddress("127.0.0.1", 0);
  }

  @Override
  Pair<SocketAddress, String> refusedAddress() throws IOException {
    try (ServerSocketChannel s = ServerSocketChannel.open()) { // a port that was free a moment ago
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return Pair.create(s.getLocalAddress(), "ECONNREFUSED");
    }
  }
}
