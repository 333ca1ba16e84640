package dev.zerowire.bench;

import java.util.List;

/**
 * Scenario 2, {@code small-messages}: 48-byte blight Repaint messages (12-byte header + 36-byte
 * payload) streamed as fast as the client can, over a Unix stream socket and over loopback TCP,
 * into the Java-side {@link BlightServer}, which counts and checks every one. Messages per second.
 * zerowire's blight client (gathering header and payload, many messages per sendmsg) against the
 * naive sender that makes two blocking writes per message, as libblight does.
 */
final class SmallMessagesScenario implements Scenario {
  static final String NAME = "small-messages";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "36-byte blight Repaints (48 bytes on the wire), Unix socket and TCP: zerowire blight client vs naive two writes";
  }

  @Override
  public void run(BenchContext ctx) throws Exception {
    for (BlightTransport t : BlightTransport.values()) {
      try (BlightServer server = new BlightServer(t, BlightServer.Mode.COUNT_REPAINTS)) {
        List<Contender> cs = BlightContender.open(ctx, NAME, BlightContender.Kind.STREAM, server, t);
        Interleaved.run(NAME, t.label(), cs, ctx.plan(), ctx.progress(), ctx.report());
      }
    }
  }
}
