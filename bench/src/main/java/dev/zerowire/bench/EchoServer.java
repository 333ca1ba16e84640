package dev.zerowire.bench;

import dev.zerowire.actors.SocketProtocol;
import dev.zerowire.actors.SocketProtocol.Bound;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** An echo server under test in the {@code echo} scenario: listens on 127.0.0.1 and writes back what it reads. */
abstract class EchoServer implements AutoCloseable {
  private final String impl;

  EchoServer(String impl) {
    this.impl = impl;
  }

  String impl() {
    return impl;
  }

  /** Starts listening; the address to connect to. */
  abstract InetSocketAddress start() throws Exception;

  @Override
  public void close() {}

  /** {@code java-nio}: a blocking thread per connection echoing from one direct buffer. */
  static final class Nio extends EchoServer {
    private ServerSocketChannel server;
    private Thread acceptor;

    Nio() {
      super("java-nio");
    }

    @Override
    InetSocketAddress start() throws Exception {
      server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      acceptor = Thread.ofPlatform().name("bench-nio-echo-accept").daemon(true).start(() -> {
        try {
          while (true) {
            SocketChannel c = server.accept();
            Thread.ofPlatform().name("bench-nio-echo").daemon(true).start(() -> echo(c));
          }
        } catch (Exception e) {
          // closed
        }
      });
      return (InetSocketAddress) server.getLocalAddress();
    }

    private static void echo(SocketChannel c) {
      try (c) {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
        while (c.read(b) >= 0) {
          b.flip();
          while (b.hasRemaining()) {
            c.write(b);
          }
          b.clear();
        }
      } catch (Exception e) {
        // the client went away
      }
    }

    @Override
    public void close() {
      try {
        if (server != null) {
          server.close();
        }
      } catch (Exception e) {
        // closing
      }
    }
  }

  /** {@code netty-epoll}: Netty's EchoServerHandler (write in channelRead, flush in channelReadComplete), one event loop. */
  static final class NettyEpoll extends EchoServer {
    private EventLoopGroup group;
    private Channel server;

    NettyEpoll() {
      super("netty-epoll");
    }

    @Override
    InetSocketAddress start() throws Exception {
      group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInboundHandlerAdapter() {
            @Override
            public boolean isSharable() {
              return true;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              ctx.write(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
              ctx.flush();
            }
          })
          .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
      return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
      if (server != null) {
        server.close().syncUninterruptibly();
      }
      if (group != null) {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      }
    }
  }

  /**
   * {@code zerowire}: example (b), {@link dev.zerowire.examples.EchoServer}, as it stands: an
   * actor per connection of type {@code Reply} that sends back each lent receive buffer as it is
   * and releases it on the outcome (the receive pool is the flow control).
   */
  static final class ZeroWire extends EchoServer {
    private final ActorSystem<?> system;
    private ActorRef<SocketProtocol.ListenerCommand> listener;

    ZeroWire(ActorSystem<?> system) {
      super("zerowire");
      this.system = system;
    }

    @Override
    InetSocketAddress start() throws Exception {
      CompletableFuture<SocketProtocol.ListenerEvent> bound = new CompletableFuture<>();
      ActorRef<SocketProtocol.ListenerEvent> boundTo = system.systemActorOf(
          Behaviors.<SocketProtocol.ListenerEvent>receiveMessage(e -> {
            bound.complete(e);
            return Behaviors.stopped();
          }), "bench-echo-bound-" + System.nanoTime(), Props.empty());
      system.systemActorOf(dev.zerowire.examples.EchoServer.create(new InetSocketAddress("127.0.0.1", 0), boundTo),
          "bench-echo-" + System.nanoTime(), dev.zerowire.actors.ZeroWire.dispatcher());
      SocketProtocol.ListenerEvent e = bound.get(10, TimeUnit.SECONDS);
      if (e instanceof Bound b) {
        listener = b.listener();
        return (InetSocketAddress) b.local();
      }
      throw new IllegalStateException("zerowire echo could not listen: " + e);
    }

    @Override
    public void close() {
      if (listener != null) {
        listener.tell(SocketProtocol.Unbind.INSTANCE);
      }
    }
  }
}
