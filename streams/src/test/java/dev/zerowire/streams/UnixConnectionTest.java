package dev.zerowire.streams;

import java.io.IOException;
import java.net.SocketAddress;
import org.apache.pekko.japi.Pair;
import org.junit.jupiter.api.BeforeAll;

/** The connection contract over AF_UNIX stream sockets at a path. */
class UnixConnectionTest extends ConnectionContract {
  @BeforeAll
  static void start() {
    startKit("UnixConnectionTest");
  }

  @Override
  SocketAddress peerAddress() throws IOException {
    return NioPeer.freshUnixPath("peer.sock");
  }

  @Override
  SocketAddress bindAddress() throws IOException {
    return NioPeer.freshUnixPath("zw.sock");
  }

  @Override
  Pair<SocketAddress, String> refusedAddress() throws IOException {
    return Pair.create(NioPeer.freshUnixPath("nobody.sock"), "ENOENT"); // no socket file at all
  }
}
