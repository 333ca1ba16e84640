package dev.zerowire.blight;

import dev.zerowire.blight.BlightProtocol.AckWith;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightProtocol.NoAck;
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

  /** {@link #displayServer(SurfaceInfo, int...)} with {@link #DEFAULT_SURFACE} and {@link #DEFAULT_SURFACE_IDS}. */
  public static Behavior<HandlerRequest> displayServer() {
    return displayServer(DEFAULT_SURFACE, DEFAULT_SURFACE_IDS);
  }

  /**
   * Answers as Oxide's display server does on the wire: acks every message except Ack (which
   * never reaches a handler); Info gets the 32-byte {@code info}, List the {@code ids} as uint16s,
   * everything else an ack without data. Stateless: one instance may serve every connection.
   */
  public static Behavior<HandlerRequest> displayServer(SurfaceInfo info, int... ids) {
    byte[] infoBytes = info.encode();
    byte[] idBytes = BlightPayloads.encodeSurfaceIds(ids);
    return Behaviors.receive(HandlerRequest.class)
        .onMessage(HandlerRequest.class, r -> {
          BlightFrame f = r.frame();
          long ackid = f.ackid();
          switch (f.type()) {
            case ACK -> r.replyTo().tell(new NoAck(ackid));
            case INFO -> r.replyTo().tell(new AckWith(ackid, infoBytes.clone()));
            case LIST -> r.replyTo().tell(new AckWith(ackid, idBytes.clone()));
            default -> r.replyTo().tell(AckWith.empty(ackid));
          }
          return Behaviors.same();
        })
        .build();
  }
}
