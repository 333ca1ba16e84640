package dev.zerowire.actors;

import org.junit.jupiter.api.BeforeAll;

/** The socket contract over an AF_UNIX socketpair: the copy path, same API, same outcomes. */
class UnixSocketTest extends SocketContract {
  @BeforeAll
  static void start() {
    startKit("UnixSocketTest");
  }

  @Override
  public Peer.Transport transport() {
    return Peer.Transport.UNIX;
  }
}
