package dev.zerowire.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The two transports of the blight scenarios. "unix" is an AF_UNIX stream connection made with
 * bind/connect on a temporary path: inside the kernel it is the same unix_stream socket pair that
 * libblight gets from {@code socketpair(2)}, and it lets every client, Java or native, connect the
 * same way. "tcp" is loopback TCP with TCP_NODELAY on both ends (without it the naive sender's
 * second small write waits for the delayed ACK: a 40 ms stall that would measure Nagle, not the
 * sender).
 */
enum BlightTransport {
  UNIX, TCP;

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** A listening server socket; for UNIX on a fresh temporary path (deleted by {@link #cleanUp}). */
  ServerSocketChannel listen() throws IOException {
    if (this == UNIX) {
      Path dir = Files.createTempDirectory("zwbench-blight");
      ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      s.bind(UnixDomainSocketAddress.of(dir.resolve("blight.sock")));
      return s;
    }
    ServerSocketChannel s = ServerSocketChannel.open();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    return s;
  }

  /** A blocking client connection to {@code server}. */
  SocketChannel connect(SocketAddress server) throws IOException {
    SocketChannel ch = SocketChannel.open(this == UNIX ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
    ch.connect(server);
    configure(ch);
    return ch;
  }

  void configure(SocketChannel ch) throws IOException {
    if (this == TCP) {
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
  }

  /** Removes the UNIX socket's path and its directory. */
  static void cleanUp(SocketAddress address) {
    if (address instanceof UnixDomainSocketAddress u) {
      try {
        Files.deleteIfExists(u.getPath());
        Files.deleteIfExists(u.getPath().getParent());
      } catch (IOException e) {
        // a leftover temp file is harmless
      }
    }
  }
}
