package dev.zerowire.streams;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The peer of the tests: a plain java.nio listener (TCP or AF_UNIX) that runs {@code handler} on
 * each accepted connection in a thread of its own, blocking. Nothing of zerowire or Pekko in it.
 */
final class NioPeer implements AutoCloseable {

  interface Handler {
    void handle(SocketChannel ch) throws Exception;
  }

  private final ServerSocketChannel server;
  private final SocketAddress address;
  private final Thread acceptor;
  /** The first handler failure, if any (checked by {@link #assertNoFailure()}). */
  final CompletableFuture<Throwable> failure = new CompletableFuture<>();

  private NioPeer(SocketAddress bindTo, Handler handler) throws IOException {
    ProtocolFamily family = bindTo instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX
        : ((java.net.InetSocketAddress) bindTo).getAddress() instanceof java.net.Inet6Address
            ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    server = ServerSocketChannel.open(family);
    server.bind(bindTo);
    address = server.getLocalAddress();
    acceptor = Thread.ofPlatform().daemon().name("nio-peer-acceptor").start(() -> {
      while (server.isOpen()) {
        SocketChannel ch;
        try {
          ch = server.accept();
        } catch (IOException e) {
          return; // closed
        }
        Thread.ofPlatform().daemon().name("nio-peer-connection").start(() -> {
          try (ch) {
            handler.handle(ch);
          } catch (Throwable t) {
            failure.complete(t);
          }
        });
      }
    });
  }

  static NioPeer start(SocketAddress bindTo, Handler handler) throws IOException {
    return new NioPeer(bindTo, handler);
  }

  SocketAddress address() {
    return address;
  }

  void assertNoFailure() {
    if (failure.isDone()) {
      throw new AssertionError("the peer failed", failure.join());
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    if (address instanceof UnixDomainSocketAddress u) {
      Files.deleteIfExists(u.getPath());
    }
  }

  // ------------------------------------------------------------------------------ handlers

  /** Echo every byte; at the client's end of stream, end ours. */
  static void echo(SocketChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(256 << 10);
    while (ch.read(buf) >= 0) {
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      buf.clear();
    }
    ch.shutdownOutput();
  }

  /** Reads to the end of stream; returns the bytes. */
  static byte[] readAll(SocketChannel ch) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(64 << 10);
    while (ch.read(buf) >= 0) {
      out.write(buf.array(), 0, buf.position());
      buf.clear();
    }
    return out.toByteArray();
  }

  static void writeAll(SocketChannel ch, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  /** A fresh AF_UNIX path in a new temporary directory (the file must not exist before bind). */
  static UnixDomainSocketAddress freshUnixPath(String name) throws IOException {
    Path dir = Files.createTempDirectory("zw-streams");
    dir.toFile().deleteOnExit();
    return UnixDomainSocketAddress.of(dir.resolve(name));
  }
}
