package dev.zerowire.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code netty-epoll} and {@code netty-io_uring-zc}: Netty 4.2's native transports on one event
 * loop thread. The handler writes {@code retainedDuplicate()}s of one pooled direct buffer while
 * the channel is writable (high water mark = the same window zerowire gets), flushes, and
 * continues on {@code channelWritabilityChanged}. io_uring uses {@code IORING_OP_SEND_ZC} for
 * writes of at least {@link #ZERO_COPY_THRESHOLD} bytes (the same threshold as zerowire).
 */
final class NettyStream extends StreamContender {
  /** Netty's io_uring zero-copy write threshold; zerowire's default threshold is the same 10 KiB. */
  static final int ZERO_COPY_THRESHOLD = 10 * 1024;

  enum Kind {
    EPOLL("netty-epoll"), IO_URING_ZC("netty-io_uring-zc");

    final String impl;

    Kind(String impl) {
      this.impl = impl;
    }

    /** Null when usable here, else why not (the transport's own unavailability cause). */
    String unavailable() {
      Throwable cause = switch (this) {
        case EPOLL -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
        case IO_URING_ZC -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
      };
      return cause == null ? null : String.valueOf(cause);
    }
  }

  private final Kind kind;
  private final int window;
  private EventLoopGroup group;
  private Channel channel;
  private Pump pump;
  private ByteBuf data;

  NettyStream(Kind kind, int payload, int window, StreamReceiver receiver) {
    super(kind.impl, payload, receiver);
    this.kind = kind;
    this.window = window;
  }

  @Override
  protected void connect(InetSocketAddress address) throws Exception {
    data = PooledByteBufAllocator.DEFAULT.directBuffer(payload, payload);
    for (int i = 0; i < payload; i++) {
      data.writeByte(patternByte(i));
    }
    pump = new Pump(data);
    Bootstrap b = new Bootstrap()
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(window / 2, window))
        .handler(pump);
    if (kind == Kind.EPOLL) {
      group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      b.group(group).channel(EpollSocketChannel.class);
    } else {
      group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
      b.group(group).channel(IoUringSocketChannel.class)
          .option(IoUringChannelOption.IO_URING_WRITE_ZERO_COPY_THRESHOLD, ZERO_COPY_THRESHOLD);
    }
    channel = b.connect(address).sync().channel();
  }

  @Override
  protected Totals sendFor(Duration d) throws Exception {
    CompletableFuture<Totals> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + d.toNanos();
    channel.eventLoop().execute(() -> pump.go(channel, deadline, done));
    return done.get(d.toMillis() + DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      if (channel != null) {
        channel.close().syncUninterruptibly();
      }
      if (group != null) {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      }
      if (data != null) {
        data.release();
      }
    } finally {
      super.close();
    }
  }

  /** Writes while writable until the deadline; lives on the event loop. */
  private static final class Pump extends ChannelInboundHandlerAdapter {
    private final ByteBuf data;
    private Channel channel;
    private long deadline;
    private CompletableFuture<Totals> done;
    private long messages;
    private boolean active;

    Pump(ByteBuf data) {
      this.data = data;
    }

    @Override
    public boolean isSharable() {
      return true;
    }

    void go(Channel ch, long deadlineNanos, CompletableFuture<Totals> d) {
      channel = ch;
      deadline = deadlineNanos;
      done = d;
      messages = 0;
      active = true;
      pump();
    }

    private void pump() {
      while (active && channel.isWritable()) {
        if (System.nanoTime() >= deadline) {
          finish();
          return;
        }
        channel.write(data.retainedDuplicate(), channel.voidPromise());
        messages++;
      }
      channel.flush();
    }

    /** Writes complete in order: once an empty marker write completes, every payload before it has. */
    private void finish() {
      active = false;
      long n = messages;
      CompletableFuture<Totals> d = done;
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
        if (f.isSuccess()) {
          d.complete(new Totals(n * data.readableBytes(), n));
        } else {
          d.completeExceptionally(f.cause());
        }
      });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (active && ctx.channel().isWritable()) {
        pump();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      io.netty.util.ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (done != null) {
        done.completeExceptionally(cause);
      }
      active = false;
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (active && done != null) {
        done.completeExceptionally(new IllegalStateException("connection closed while sending"));
      }
      active = false;
      ctx.fireChannelInactive();
    }
  }
}
