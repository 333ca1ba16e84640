package dev.zerowire.blight;

import dev.zerowire.blight.BlightProtocol.AckWith;
import dev.zerowire.blight.BlightProtocol.HandlerReply;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightProtocol.NoAck;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Ready-made handlers for {@link BlightServer}: what answers each client message with ack data.
 */
public final class BlightHandlers {
  private BlightHandlers() {
  }

  /**
   * The surface a default handler describes: a reMarkable 2 screen (1404 x 1872), RGB16 (QImage
   * format 7, Oxide's surface format), 2 bytes per pixel, scale 1.
   */
  public static final SurfaceInfo DEFAULT_SURFACE = new SurfaceInfo(0, 0, 1404, 1872, 1404 * 2, 7, 1.0);

  /** The surface ids a default handler lists. */
  public static final int[] DEFAULT_SURFACE_IDS = {1};

  /** {@link #displayServer(AckPolicy, Duration)} with {@link AckPolicy#ALL}. */
  public static Behavior<HandlerRequest> displayServer() {
    return displayServer(AckPolicy.ALL, Duration.ZERO);
  }

  /** {@link #displayServer(SurfaceInfo, AckPolicy, Duration, int...)} with the default surface and ids. */
  public static Behavior<HandlerRequest> displayServer(AckPolicy policy, Duration epaperUpdateTime) {
    return displayServer(DEFAULT_SURFACE, policy, epaperUpdateTime, DEFAULT_SURFACE_IDS);
  }

  /** {@link AckPolicy#ALL} over the given surface: every message but Ack acked at once. */
  public static Behavior<HandlerRequest> displayServer(SurfaceInfo info, int... ids) {
    return displayServer(info, AckPolicy.ALL, Duration.ZERO, ids);
  }

  /** The Oxide message types whose ack waits for a screen update in the e-paper build. */
  private static boolean updatesScreen(BlightType t) {
    return t == BlightType.REPAINT || t == BlightType.MOVE || t == BlightType.RAISE || t == BlightType.LOWER;
  }

  /**
   * Answers as Oxide's display server does on the wire, by {@code policy} (see {@link AckPolicy}
   * for each rule and where in Oxide's source it comes from): Info gets the 32-byte {@code info}
   * for a known surface (one of {@code ids}) and an empty ack otherwise, List the {@code ids} as
   * uint16s, everything else an ack without data or none.
   *
   * <p>Surfaces are fixed: Delete is acked as Oxide acks it but removes nothing. A payload too
   * short to hold a surface id names no known surface. Under {@link AckPolicy#OXIDE_EPAPER} the
   * screen-updating types and Wait are answered {@code epaperUpdateTime} after they arrive
   * (immediately after, in order, when zero), as Oxide acks them from its GUI thread once the
   * update is done. Stateless apart from those timers: one instance may serve every connection.
   */
  public static Behavior<HandlerRequest> displayServer(SurfaceInfo info, AckPolicy policy, Duration epaperUpdateTime,
                             int... ids) {
    byte[] infoBytes = info.encode();
    byte[] idBytes = BlightPayloads.encodeSurfaceIds(ids);
    return Behaviors.<Object>setup(ctx -> Behaviors.withTimers(timers -> {
      long[] timerKeys = {0};
      return Behaviors.receive(Object.class)
          .onMessage(HandlerRequest.class, r -> {
            BlightFrame f = r.frame();
            HandlerReply reply = answer(f, policy, infoBytes, idBytes, ids);
            boolean afterUpdate = policy == AckPolicy.OXIDE_EPAPER && reply instanceof AckWith
                && (f.type() == BlightType.WAIT || updatesScreen(f.type()) && knows(ids, f));
            if (afterUpdate && !epaperUpdateTime.isZero()) {
              timers.startSingleTimer(timerKeys[0]++, new Deferred(r.replyTo(), reply), epaperUpdateTime);
            } else {
              r.replyTo().tell(reply);
            }
            return Behaviors.same();
          })
          .onMessage(Deferred.class, d -> {
            d.to().tell(d.reply());
            return Behaviors.same();
          })
          .build();
    })).narrow();
  }

  /**
   * The default display server ({@link #displayServer(AckPolicy, Duration)}) as a function a
   * connection calls itself, or null when {@code policy} holds acks back for a screen update
   * ({@link AckPolicy#OXIDE_EPAPER} with a non-zero update time needs the actor's timers).
   *
   * <p>Why (issue 10): a {@link BlightServer} made without a handler used to spawn one {@code
   * displayServer} actor for all its connections, so each request took two more hops (request and
   * answer, each a virtual-thread hand-off) and every connection's requests went through that one
   * actor in turn. The answers are a pure function of the frame, so each connection computes them
   * where it decodes: the same answers, in the same order, with no hop and nothing shared.
   */
  static Function<BlightFrame, HandlerReply> inlineDisplayServer(AckPolicy policy, Duration epaperUpdateTime) {
    if (policy == AckPolicy.OXIDE_EPAPER && !epaperUpdateTime.isZero()) {
      return null;
    }
    byte[] infoBytes = DEFAULT_SURFACE.encode();
    byte[] idBytes = BlightPayloads.encodeSurfaceIds(DEFAULT_SURFACE_IDS);
    int[] ids = DEFAULT_SURFACE_IDS.clone();
    return f -> answer(f, policy, infoBytes, idBytes, ids);
  }

  /** An answer held back until the simulated screen update is done; sent to itself by a timer. */
  private record Deferred(ActorRef<HandlerReply> to, HandlerReply reply) {
  }

  private static HandlerReply answer(BlightFrame f, AckPolicy policy, byte[] infoBytes, byte[] idBytes, int[] ids) {
    long ackid = f.ackid();
    BlightType t = f.type();
    if (t == BlightType.ACK) {
      return new NoAck(ackid);
    }
    if (policy == AckPolicy.ALL) {
      return switch (t) {
        case INFO -> new AckWith(ackid, infoBytes.clone());
        case LIST -> new AckWith(ackid, idBytes.clone());
        default -> AckWith.empty(ackid);
      };
    }
    boolean known = knows(ids, f);
    return switch (t) {
      case FOCUS -> new NoAck(ackid); // connection.cpp: do_ack = false, both builds
      case INFO -> known ? new AckWith(ackid, infoBytes.clone()) : AckWith.empty(ackid);
      case LIST -> new AckWith(ackid, idBytes.clone());
      case REPAINT, MOVE, RAISE, LOWER -> !known ? AckWith.empty(ackid) // unknown surface: break, do_ack stays true
          : policy == AckPolicy.OXIDE_EPAPER ? AckWith.empty(ackid) // after the update (the caller defers it)
          : new NoAck(ackid); // desktop build: do_ack = false, no GUI-thread callback
      default -> AckWith.empty(ackid); // Ping, Delete, Wait
    };
  }

  /** Whether the surface id the message names is one of {@code ids}; false for a payload too short. */
  static boolean knows(int[] ids, BlightFrame f) {
    int offset = switch (f.type()) {
      case REPAINT -> 32; // repaint_t: identifier after eight 4-byte fields
      case MOVE, INFO, DELETE, RAISE, LOWER -> 0;
      default -> -1;
    };
    byte[] p = f.payload();
    if (offset < 0 || p.length < offset + 2) {
      return false;
    }
    int id = ByteBuffer.wrap(p, offset, 2).order(BlightWire.ORDER).getShort() & 0xffff;
    for (int known : ids) {
      if (known == id) {
        return true;
      }
    }
    return false;
  }
}
