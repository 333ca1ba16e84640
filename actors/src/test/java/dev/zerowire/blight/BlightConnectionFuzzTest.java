package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.blight.BlightProtocol.ClientAccepted;
import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.ConnectionFault;
import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.ServerEvent;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.RawPeer;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Connection-level fuzzing: raw clients feed the server random garbage and mutated valid streams,
 * written in random splits, one connection after another, while a good client stays connected.
 * Each connection must end exactly as a {@link BlightDecoder} judges the same bytes offline (same
 * messages, same checksum, same fault or none); the server never loses a connection without a
 * summary; the good client finishes its run intact. Replay a failure with {@code -Dblight.seed=N}.
 */
class BlightConnectionFuzzTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final int MAX = 64 * 1024;
  static final int ROUNDS = 16;

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /** The offline verdict on a stream. */
  record Verdict(long messages, String checksum, BlightProtocolException fault) {
    static Verdict of(byte[] stream) {
      Fnv1a64 f = new Fnv1a64();
      BlightDecoder d = new BlightDecoder(MAX, frame -> f.update(frame.payload()));
      BlightProtocolException fault = null;
      try {
        d.feed(stream);
        d.endOfStream();
      } catch (BlightProtocolException e) {
        fault = e;
      }
      return new Verdict(d.messagesDecoded(), f.hex(), fault);
    }
  }

  static byte[] randomStream(Random r) {
    switch (r.nextInt(4)) {
      case 0: { // pure garbage
        byte[] b = new byte[1 + r.nextInt(3000)];
        r.nextBytes(b);
        return b;
      }
      case 1: // valid, cut at a random point
        byte[] v = BlightStreams.randomValid(r, 1 + r.nextInt(8), 5000).bytes();
        return java.util.Arrays.copyOf(v, r.nextInt(v.length + 1));
      case 2: { // valid with random bytes flipped
        byte[] m = BlightStreams.randomValid(r, 1 + r.nextInt(8), 5000).bytes();
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
          m[r.nextInt(m.length)] ^= (byte) (1 + r.nextInt(255));
        }
        return m;
      }
      default: { // valid with garbage spliced in
        byte[] m = BlightStreams.randomValid(r, 1 + r.nextInt(8), 5000).bytes();
        byte[] junk = new byte[1 + r.nextInt(40)];
        r.nextBytes(junk);
        int at = r.nextInt(m.length + 1);
        return BlightStreams.concat(java.util.Arrays.copyOf(m, at), junk,
            java.util.Arrays.copyOfRange(m, at, m.length));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = Transport.class, names = {"TCP4", "UNIX"})
  void everyConnectionEndsAsTheDecoderJudgesAndTheOthersCarryOn(Transport t) throws Exception {
    long seed = BlightStreams.seed();
    Random r = new Random(seed);
    BlightSettings settings = BlightSettings.defaults().withMaxMessageSize(MAX);
    Server server = BlightTestSupport.startServer(kit, t.listenAddress(dir), settings, null);
    Client good = BlightTestSupport.connect(kit, server.address(), settings);
    int goodId = server.await(ClientAccepted.class).connectionId();
    var load = kit.<BlightLoad.Result>createTestProbe();
    kit.spawn(BlightLoad.create(good.ref(),
        BlightLoad.Spec.of(BlightType.REPAINT, 2000, 16 * 1024).withWindow(32), load.getRef()));

    int faults = 0;
    for (int round = 0; round < ROUNDS; round++) {
      byte[] stream = randomStream(r);
      Verdict expected = Verdict.of(stream);
      String where = "seed " + seed + ", round " + round + ", " + stream.length + " bytes, expected " + expected;
      try (RawPeer raw = RawPeer.connect(server.address())) {
        int id = server.await(ClientAccepted.class).connectionId();
        try {
          for (int pos = 0; pos < stream.length; ) {
            int n = Math.min(stream.length - pos, 1 + r.nextInt(r.nextBoolean() ? 16 : 2048));
            raw.write(stream, pos, n);
            pos += n;
          }
          raw.channel.shutdownOutput();
        } catch (IOException e) {
          // the server closed on a fault before we wrote everything: fine, the verdict still holds
        }
        raw.awaitEof();
        ConnectionSummary s = awaitFinished(server, id, where);
        assertEquals(expected.messages(), s.messages(), where);
        assertEquals(expected.checksum(), s.checksum(), where);
        if (expected.fault() == null) {
          assertEquals(0, s.errors().size(), where + ": " + s.errors());
        } else {
          faults++;
          assertEquals(1, s.errors().size(), where + ": " + s.errors());
          assertTrue(s.errors().get(0).contains(expected.fault().getMessage()), where + ": " + s.errors());
        }
      }
    }

    BlightLoad.Result result = load.receiveMessage(WAIT.multipliedBy(3));
    assertTrue(result.ok(), "seed " + seed + ": " + result);
    good.ref().tell(new CloseClient(null));
    good.await(ClientClosed.class);
    ConnectionSummary goodSummary = awaitFinished(server, goodId, "good client");
    assertEquals(result.checksum(), goodSummary.checksum());
    assertEquals(0, goodSummary.errors().size());
    ServerSummary all = server.stop(kit);
    assertEquals(ROUNDS + 1, all.connections());
    assertEquals(faults, all.errors().size(), "one error per faulty connection, none else: " + all.errors());
  }

  private static ConnectionSummary awaitFinished(Server server, int id, String where) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      ServerEvent e = server.events().receiveMessage(WAIT);
      if (e instanceof ClientFinished f && f.summary().id() == id) {
        return f.summary();
      }
      if (e instanceof ConnectionFault f) {
        assertEquals(id, f.connectionId(), where + ": a fault on another connection: " + f);
      }
    }
    throw new AssertionError(where + ": connection " + id + " never finished");
  }
}
