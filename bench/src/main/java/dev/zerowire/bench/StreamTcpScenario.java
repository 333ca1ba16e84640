package dev.zerowire.bench;

import dev.zerowire.actors.SendMode;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Scenario 1, {@code stream-tcp}: one loopback TCP connection per implementation streaming
 * payloads of 4 KiB, 64 KiB and 1 MiB for a fixed time, into the same plain {@link
 * StreamReceiver}. MB/s, sender CPU s/GiB, heap bytes per payload.
 *
 * <p>On loopback the kernel copies every MSG_ZEROCOPY send anyway (completions say COPIED), so
 * zero copy can only add cost here; {@code zerowire-adaptive} should notice and switch to copying.
 */
final class StreamTcpScenario implements Scenario {
  static final String NAME = "stream-tcp";
  static final int[] PAYLOADS = {4 * 1024, 64 * 1024, 1024 * 1024};
  /** Bytes each implementation may have queued or in flight: Netty's high water mark, zerowire's buffers. */
  static final int WINDOW = 8 * 1024 * 1024;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "one loopback TCP connection, payloads of 4 KiB / 64 KiB / 1 MiB, same plain reader for everybody";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    String uringMissing = NettyStream.Kind.IO_URING_ZC.unavailable();
    if (uringMissing != null) {
      ctx.report().skip(new Skipped(NAME, "netty-io_uring-zc: io_uring unavailable on this kernel: " + uringMissing));
    }
    String epollMissing = NettyStream.Kind.EPOLL.unavailable();
    if (epollMissing != null) {
      ctx.report().skip(new Skipped(NAME, "netty-epoll: epoll transport unavailable: " + epollMissing));
    }
    try (StreamReceiver rx = new StreamReceiver()) {
      List<Integer> sizes = ctx.plan().payloads().isEmpty()
          ? java.util.Arrays.stream(PAYLOADS).boxed().toList() : ctx.plan().payloads();
      for (int payload : sizes) {
        String param = size(payload);
        List<StreamContender> made = new ArrayList<>();
        made.add(new FloorStream(payload, WINDOW, rx));
        made.add(new NioStream(payload, rx));
        made.add(new PekkoIoStream(payload, rx, Adapter.toClassic(ctx.system())));
        if (epollMissing == null) {
          made.add(new NettyStream(NettyStream.Kind.EPOLL, payload, WINDOW, rx));
        }
        if (uringMissing == null) {
          made.add(new NettyStream(NettyStream.Kind.IO_URING_ZC, payload, WINDOW, rx));
        }
        for (SendMode m : List.of(SendMode.COPY, SendMode.ZEROCOPY, SendMode.ADAPTIVE)) {
          made.add(new ZeroWireStream(m, payload, WINDOW, rx, ctx.system(), ctx.driverProps()));
        }
        made.removeIf(c -> {
          if (ctx.plan().wants(c.impl())) {
            return false;
          }
          try {
            c.close();
          } catch (Exception ignored) {
            // never opened
          }
          return true;
        });
        List<Contender> open = new ArrayList<>();
        for (StreamContender c : made) {
          try {
            open.add(c.open());
          } catch (Exception e) {
            ctx.report().skip(new Skipped(NAME, c.impl() + " (" + param + "): could not connect: " + Interleaved.describe(e)));
            try {
              c.close();
            } catch (Exception ignored) {
              // already reported as skipped
            }
          }
        }
        Interleaved.run(NAME, param, open, ctx.plan(), ctx.progress(), ctx.report());
      }
    }
  }

  /** "4 KiB", "64 KiB", "1 MiB". */
  static String size(int bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
      return (bytes / (1024 * 1024)) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return (bytes / 1024) + " KiB";
    }
    return bytes + " B";
  }
}
