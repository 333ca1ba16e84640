package dev.zerowire.actors;

import org.junit.jupiter.api.BeforeAll;

/** The socket contract over TCP/IPv4 loopback, zero copy. */
class Tcp4SocketTest extends SocketContract {
  @BeforeAll
  static void start() {
    startKit("Tcp4SocketTest");
  }

  @Override
  public Peer.Transport transport() {
    return Peer.Transport.TCP4;
  }
}
