package dev.zerowire.blight;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds that keep a blight server's memory and a blight client's waits set by settings,
 * never by what a peer claims or refuses to read (issue 9). Part of {@link BlightSettings}.
 *
 * <p>Why each exists, and what it must keep true:
 *
 * @param payloadBudget      server: bytes of partly received payloads held at once over every
 *                           connection ({@link PayloadBudget}), and of payloads a handler actor
 *                           holds unanswered; a connection whose next payload piece does not fit
 *                           stops being read until memory comes back. Default 256 MiB, sized for
 *                           a tablet.
 * @param payloadTimeout     server: a message whose bytes started arriving must be complete this
 *                           long after; otherwise its connection closes with one error. Bounds how
 *                           long a trickling peer holds its share of the budget. Default 30 s.
 * @param maxConnections     server: connections served at once; one more is closed on arrival
 *                           (counted, logged once per burst). Default 256.
 * @param maxPendingReplies  server, per connection: messages read whose reply (handler answer or
 *                           the ack's send) is not done yet, plus Pings not yet sent. At this bound
 *                           the connection stops reading (pull mode: TCP pushes back on the
 *                           client); it reads again when half have drained. Client: its answers
 *                           to the server's Pings not yet taken by the kernel, the same way (a
 *                           server that pings and never reads is pushed back on). Default 1024.
 * @param replyStallTimeout  server: a connection held at that bound this long without any reply
 *                           completing (no handler answer, no ack taken by the kernel), while
 *                           replies wait to be written, is aborted with one error naming it. A
 *                           slow handler alone never closes a connection. Default 30 s.
 * @param history            server: summaries of finished connections kept (the newest); totals
 *                           cover every connection. Default 256.
 * @param stallTimeout       client: with requests outstanding (unsent bytes, or acks awaited or
 *                           timed out since the last ack), this long without progress (no ack
 *                           arrived, no bytes accepted by the kernel) fails the connection; every
 *                           request still owed then gets its outcome. Default 30 s.
 * @param ackPolicy          server: what the default handler acks ({@link AckPolicy}); default
 *                           {@link AckPolicy#ALL}
 * @param epaperUpdateTime   server, {@link AckPolicy#OXIDE_EPAPER} only: how long the simulated
 *                           screen update takes before its ack. Default 0 (ack right after).
 * @param maxQueuedRequests  client: requests taken and still without their outcome (queued while
 *                           connecting, held behind the socket's queue bound, or in flight), and
 *                           apart from those, requests awaiting their acks; one more of either is
 *                           {@linkplain BlightProtocol.Rejected rejected}, naming this bound, and
 *                           nothing of it is written. Bounds what a caller that does not pace
 *                           itself makes the client hold while the server reads slowly or acks
 *                           slowly (the stall timeout ends only a server that makes no progress at
 *                           all). Default 65,536 (about 100 bytes of bookkeeping each, besides the
 *                           caller's payloads).
 */
public record BlightLimits(long payloadBudget, Duration payloadTimeout, int maxConnections, int maxPendingReplies,
                           Duration replyStallTimeout, int history, Duration stallTimeout, AckPolicy ackPolicy,
                           Duration epaperUpdateTime, int maxQueuedRequests) {

  public BlightLimits {
    if (payloadBudget < 1) {
      throw new IllegalArgumentException("payload budget must be at least 1 byte, was " + payloadBudget);
    }
    positive("payload timeout", payloadTimeout);
    positive("reply stall timeout", replyStallTimeout);
    positive("stall timeout", stallTimeout);
    if (maxConnections < 1) {
      throw new IllegalArgumentException("max connections must be at least 1, was " + maxConnections);
    }
    if (maxPendingReplies < 2) {
      throw new IllegalArgumentException("max pending replies must be at least 2, was " + maxPendingReplies);
    }
    if (history < 0) {
      throw new IllegalArgumentException("history must be >= 0, was " + history);
    }
    Objects.requireNonNull(ackPolicy, "ack policy");
    Objects.requireNonNull(epaperUpdateTime, "e-paper update time");
    if (epaperUpdateTime.isNegative()) {
      throw new IllegalArgumentException("e-paper update time must be >= 0, was " + epaperUpdateTime);
    }
    if (maxQueuedRequests < 1) {
      throw new IllegalArgumentException("max queued requests must be at least 1, was " + maxQueuedRequests);
    }
  }

  private static void positive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + d);
    }
  }

  /**
   * 256 MiB budget, 30 s payload timeout, 256 connections, 1024 pending replies, 30 s stalls, 256
   * summaries, 65,536 queued requests.
   */
  public static BlightLimits defaults() {
    return new BlightLimits(256L << 20, Duration.ofSeconds(30), 256, 1024, Duration.ofSeconds(30), 256,
        Duration.ofSeconds(30), AckPolicy.ALL, Duration.ZERO, 65_536);
  }

  public BlightLimits withPayloadBudget(long bytes) {
    return new BlightLimits(bytes, payloadTimeout, maxConnections, maxPendingReplies, replyStallTimeout, history,
        stallTimeout, ackPolicy, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withPayloadTimeout(Duration d) {
    return new BlightLimits(payloadBudget, d, maxConnections, maxPendingReplies, replyStallTimeout, history,
        stallTimeout, ackPolicy, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withMaxConnections(int n) {
    return new BlightLimits(payloadBudget, payloadTimeout, n, maxPendingReplies, replyStallTimeout, history,
        stallTimeout, ackPolicy, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withMaxPendingReplies(int n) {
    return new BlightLimits(payloadBudget, payloadTimeout, maxConnections, n, replyStallTimeout, history,
        stallTimeout, ackPolicy, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withReplyStallTimeout(Duration d) {
    return new BlightLimits(payloadBudget, payloadTimeout, maxConnections, maxPendingReplies, d, history,
        stallTimeout, ackPolicy, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withHistory(int n) {
    return new BlightLimits(payloadBudget, payloadTimeout, maxConnections, maxPendingReplies, replyStallTimeout, n,
        stallTimeout, ackPolicy, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withStallTimeout(Duration d) {
    return new BlightLimits(payloadBudget, payloadTimeout, maxConnections, maxPendingReplies, replyStallTimeout,
        history, d, ackPolicy, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withAckPolicy(AckPolicy p) {
    return new BlightLimits(payloadBudget, payloadTimeout, maxConnections, maxPendingReplies, replyStallTimeout,
        history, stallTimeout, p, epaperUpdateTime, maxQueuedRequests);
  }

  public BlightLimits withEpaperUpdateTime(Duration d) {
    return new BlightLimits(payloadBudget, payloadTimeout, maxConnections, maxPendingReplies, replyStallTimeout,
        history, stallTimeout, ackPolicy, d, maxQueuedRequests);
  }

  public BlightLimits withMaxQueuedRequests(int n) {
    return new BlightLimits(payloadBudget, payloadTimeout, maxConnections, maxPendingReplies, replyStallTimeout,
        history, stallTimeout, ackPolicy, epaperUpdateTime, n);
  }

  /** One line for a server's start: its limits. */
  public String describeServer() {
    return "payload budget " + (payloadBudget >> 20) + " MiB, payload timeout " + payloadTimeout.toMillis()
        + " ms, max connections " + maxConnections + ", max pending replies " + maxPendingReplies
        + " per connection, reply stall timeout " + replyStallTimeout.toMillis() + " ms, history " + history
        + ", ack policy " + ackPolicy.cliName();
  }
}
