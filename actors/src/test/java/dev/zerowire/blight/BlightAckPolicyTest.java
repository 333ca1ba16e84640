package dev.zerowire.blight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.blight.BlightProtocol.AckWith;
import dev.zerowire.blight.BlightProtocol.HandlerReply;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightTestSupport.RawPeer;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 9: each ack policy, type by type, against Oxide's rules (connection.cpp at 481e5c90). A
 * raw client sends one message of every type for a known surface (1) and an unknown one (9), then
 * a Ping. "At once" means before the Ping's ack (the server answers in order); "after the update"
 * means after it (the e-paper update is set to take 3 s, far longer than the rest of the run);
 * "never" means no ack at all once every other ack has come.
 */
class BlightAckPolicyTest {
  static final ActorTestKit kit = ActorTestKit.create();
  static final Duration UPDATE = Duration.ofSeconds(3);
  static final int KNOWN = 1;
  static final int UNKNOWN = 9;
  static final long FINAL_PING = 999;

  @TempDir
  Path dir;

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  enum When { AT_ONCE, AFTER_UPDATE, NEVER }

  record Probe(String name, BlightType type, long ackid, byte[] payload) {
  }

  static byte[] surface(int id) {
    return BlightPayloads.encodeSurfaceId(id);
  }

  static byte[] repaint(int id) {
    return ByteBuffer.allocate(36).order(BlightWire.ORDER).putInt(0).putInt(0).putInt(10).putInt(10).putInt(1)
        .putInt(0).putInt(0).putInt(7).putShort((short) id).array();
  }

  static byte[] move(int id) {
    return ByteBuffer.allocate(12).order(BlightWire.ORDER).putShort((short) id).putShort((short) 0).putInt(5)
        .putInt(5).array();
  }

  static List<Probe> probes() {
    List<Probe> l = new ArrayList<>();
    long a = 1;
    l.add(new Probe("repaint known", BlightType.REPAINT, a++, repaint(KNOWN)));
    l.add(new Probe("repaint unknown", BlightType.REPAINT, a++, repaint(UNKNOWN)));
    l.add(new Probe("move known", BlightType.MOVE, a++, move(KNOWN)));
    l.add(new Probe("move unknown", BlightType.MOVE, a++, move(UNKNOWN)));
    l.add(new Probe("info known", BlightType.INFO, a++, surface(KNOWN)));
    l.add(new Probe("info unknown", BlightType.INFO, a++, surface(UNKNOWN)));
    l.add(new Probe("delete known", BlightType.DELETE, a++, surface(KNOWN)));
    l.add(new Probe("delete unknown", BlightType.DELETE, a++, surface(UNKNOWN)));
    l.add(new Probe("list", BlightType.LIST, a++, new byte[0]));
    l.add(new Probe("raise known", BlightType.RAISE, a++, surface(KNOWN)));
    l.add(new Probe("raise unknown", BlightType.RAISE, a++, surface(UNKNOWN)));
    l.add(new Probe("lower known", BlightType.LOWER, a++, surface(KNOWN)));
    l.add(new Probe("lower unknown", BlightType.LOWER, a++, surface(UNKNOWN)));
    l.add(new Probe("wait", BlightType.WAIT, a++, BlightPayloads.encodeMarker(7)));
    l.add(new Probe("focus", BlightType.FOCUS, a++, new byte[0]));
    l.add(new Probe("ping", BlightType.PING, a++, new byte[0]));
    return l;
  }

  /** When {@code policy} acks {@code p}, by Oxide's source (see {@link AckPolicy}). */
  static When expected(AckPolicy policy, Probe p) {
    boolean known = p.name().endsWith(" known");
    boolean screen = switch (p.type()) {
      case REPAINT, MOVE, RAISE, LOWER -> true;
      default -> false;
    };
    return switch (policy) {
      case ALL -> When.AT_ONCE;
      case OXIDE_EPAPER -> p.type() == BlightType.FOCUS ? When.NEVER
          : (screen && known) || p.type() == BlightType.WAIT ? When.AFTER_UPDATE : When.AT_ONCE;
      case OXIDE_DESKTOP -> p.type() == BlightType.FOCUS || (screen && known) ? When.NEVER : When.AT_ONCE;
    };
  }

  /**
   * A server made without a handler answers in each connection ({@code inlineDisplayServer}) unless
   * the policy defers acks; the test above covers both on the wire (e-paper with an update time
   * goes to the actor), this one holds the inline answers to the actor's for every probe, also
   * for e-paper without an update time.
   */
  @ParameterizedTest
  @EnumSource(AckPolicy.class)
  void theInlineDefaultHandlerAnswersAsTheHandlerActorDoes(AckPolicy policy) {
    assertNull(BlightHandlers.inlineDisplayServer(AckPolicy.OXIDE_EPAPER, UPDATE), "deferred acks need the actor's timers");
    Function<BlightFrame, HandlerReply> inline = BlightHandlers.inlineDisplayServer(policy, Duration.ZERO);
    assertNotNull(inline);
    var actor = kit.spawn(BlightHandlers.displayServer(policy, Duration.ZERO));
    TestProbe<HandlerReply> answers = kit.createTestProbe();
    for (Probe p : probes()) {
      BlightFrame f = new BlightFrame(new BlightHeader(p.type().code(), (int) p.ackid(), p.payload().length), p.payload());
      actor.tell(new HandlerRequest(1, "probe", f, answers.getRef()));
      assertEquals(describe(answers.receiveMessage(BlightTestSupport.WAIT)), describe(inline.apply(f)),
          policy.cliName() + ": " + p.name());
    }
    kit.stop(actor);
  }

  private static String describe(HandlerReply r) {
    return r instanceof AckWith a ? "AckWith " + a.ackid() + " [" + HexFormat.of().formatHex(a.data()) + "]" : r.toString();
  }

  @ParameterizedTest
  @EnumSource(AckPolicy.class)
  void eachTypeIsAckedAsThePolicySays(AckPolicy policy) throws Exception {
    BlightSettings settings = BlightSettings.defaults().withLimits(BlightLimits.defaults().withAckPolicy(policy)
        .withEpaperUpdateTime(UPDATE));
    Server server = BlightTestSupport.startServer(kit, Transport.UNIX.listenAddress(dir), settings, null);
    List<Probe> probes = probes();
    Map<Long, When> want = new LinkedHashMap<>();
    try (RawPeer peer = RawPeer.connect(server.address())) {
      for (Probe p : probes) {
        peer.write(BlightEncoder.message(p.type(), p.ackid(), p.payload()));
        want.put(p.ackid(), expected(policy, p));
      }
      peer.write(BlightEncoder.message(BlightType.PING, FINAL_PING));
      long deferred = want.values().stream().filter(w -> w == When.AFTER_UPDATE).count();
      long atOnce = want.values().stream().filter(w -> w == When.AT_ONCE).count();
      // everything acked at once, the final Ping's ack, then the deferred ones (Pings of the
      // server's own are ignored: they are not Acks)
      List<BlightFrame> acks = awaitAcks(peer, (int) (atOnce + 1 + deferred));
      int finalAt = -1;
      for (int i = 0; i < acks.size(); i++) {
        if (acks.get(i).ackid() == FINAL_PING) {
          finalAt = i;
        }
      }
      assertTrue(finalAt >= 0, "the final Ping was acked");
      Map<Long, When> got = new LinkedHashMap<>();
      for (int i = 0; i < acks.size(); i++) {
        long id = acks.get(i).ackid();
        if (id != FINAL_PING) {
          got.put(id, i < finalAt ? When.AT_ONCE : When.AFTER_UPDATE);
        }
      }
      for (Probe p : probes) {
        When g = got.getOrDefault(p.ackid(), When.NEVER);
        assertEquals(want.get(p.ackid()), g, policy.cliName() + ": " + p.name());
      }
      for (BlightFrame f : acks) {
        Probe p = f.ackid() == FINAL_PING ? null : probes.get((int) f.ackid() - 1);
        int data = p != null && p.type() == BlightType.INFO && (policy == AckPolicy.ALL || p.name().equals("info known"))
            ? SurfaceInfo.SIZE
            : p != null && p.type() == BlightType.LIST ? 2 : 0;
        assertEquals(data, f.payload().length, policy.cliName() + ": ack data of " + (p == null ? "ping" : p.name()));
      }
    }
    server.stop(kit);
  }

  /** Reads until {@code n} Acks have come, then a little longer so that one too many would show. */
  static List<BlightFrame> awaitAcks(RawPeer peer, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<BlightFrame> acks = peer.frames().stream().filter(f -> f.type() == BlightType.ACK).toList();
      if (acks.size() >= n) {
        BlightTestSupport.sleep(200); // an extra ack (one that should never come) would show here
        return peer.frames().stream().filter(f -> f.type() == BlightType.ACK).toList();
      }
      peer.drainQuietly();
      BlightTestSupport.sleep(10);
    }
    return peer.frames().stream().filter(f -> f.type() == BlightType.ACK).toList();
  }
}
