package dev.zerowire.bench;

import io.netty.channel.epoll.Epoll;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario {@code echo}: an echo server per implementation on loopback TCP, driven by the same
 * java.nio client (one thread writing payloads of 4 KiB or 64 KiB as fast as TCP takes them, one
 * reading the echo back). MB/s echoed. zerowire forwards the receive buffers it lends the handler
 * (no copy in user space); java.nio echoes from one direct buffer on a thread per connection;
 * Netty epoll writes back the ByteBuf it read (the classic EchoServerHandler); {@code floor-echo}
 * ({@link FloorEchoServer}) makes zerowire's syscalls from one thread without actors, so the
 * zerowire row's tax is its MB/s over the floor's.
 */
final class EchoScenario implements Scenario {
  static final String NAME = "echo";
  static final int[] PAYLOADS = {4 * 1024, 64 * 1024};

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "echo servers on loopback TCP, payloads of 4 KiB / 64 KiB, same java.nio client: MB/s echoed";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    boolean epoll = Epoll.isAvailable();
    if (!epoll) {
      ctx.report().skip(new Skipped(NAME, "netty-epoll: epoll transport unavailable: " + Epoll.unavailabilityCause()));
    }
    List<Integer> sizes = ctx.plan().payloads().isEmpty()
        ? java.util.Arrays.stream(PAYLOADS).boxed().toList() : ctx.plan().payloads();
    for (int payload : sizes) {
      String param = StreamTcpScenario.size(payload);
      List<EchoServer> servers = new ArrayList<>();
      servers.add(new FloorEchoServer());
      servers.add(new EchoServer.Nio());
      if (epoll) {
        servers.add(new EchoServer.NettyEpoll());
      }
      servers.add(new EchoServer.ZeroWire(ctx.system()));
      List<Contender> open = new ArrayList<>();
      for (EchoServer s : servers) {
        if (!ctx.plan().wants(s.impl())) {
          s.close();
          continue;
        }
        try {
          open.add(new EchoClient(s, payload));
        } catch (Exception e) {
          ctx.report().skip(new Skipped(NAME, s.impl() + " (" + param + "): " + Interleaved.describe(e)));
          s.close();
        }
      }
      Interleaved.run(NAME, param, open, ctx.plan(), ctx.progress(), ctx.report());
    }
  }
}
