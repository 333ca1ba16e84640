package dev.zerowire.blight;

import dev.zerowire.blight.BlightProtocol.ConnectionSummary;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What a {@link BlightServer} remembers of finished connections: running totals over all of them,
 * and only the newest {@code history} summaries and error lines.
 *
 * <p>Why: a server runs for hours; keeping every connection's summary (about 700 bytes each)
 * made RSS grow with every connection ever served (issue 9, break 3: 861 MB after 11,651 bad
 * connections). What must stay true: memory is bounded by {@code history} whatever the number of
 * connections, and every total counts every connection. Not thread-safe: the server actor owns it.
 */
final class ServerTotals {

  private final int history;
  private final ArrayDeque<ConnectionSummary> kept = new ArrayDeque<>();
  private final ArrayDeque<String> errors = new ArrayDeque<>();
  private final long[] perType = new long[BlightType.values().length];
  private int connections;
  private long messages;
  private long bytes;
  private long acksSent;
  private long pingsSent;
  private long pingAcks;
  private long refused;
  private long errorCount;

  /** @param history summaries and error lines kept (the newest) */
  ServerTotals(int history) {
    this.history = history;
  }

  void add(ConnectionSummary c) {
    connections++;
    messages += c.messages();
    bytes += c.bytes();
    acksSent += c.acksSent();
    pingsSent += c.pingsSent();
    pingAcks += c.pingAcks();
    for (Map.Entry<String, Long> e : c.types().entrySet()) {
      perType[BlightType.parse(e.getKey()).code()] += e.getValue();
    }
    c.errors().forEach(this::addError);
    if (history > 0) {
      kept.addLast(c);
      if (kept.size() > history) {
        kept.removeFirst();
      }
    }
  }

  /** An error that belongs to no connection (a listener that could not bind). */
  void addServerError(String e) {
    addError(e);
  }

  /** A connection closed on arrival (max-connections). */
  void refused() {
    refused++;
  }

  long refusedCount() {
    return refused;
  }

  private void addError(String e) {
    errorCount++;
    errors.addLast(e);
    if (errors.size() > Math.max(history, 1)) {
      errors.removeFirst();
    }
  }

  /** Summaries kept now. */
  int keptSummaries() {
    return kept.size();
  }

  ServerSummary summary() {
    List<ConnectionSummary> sorted = new ArrayList<>(kept);
    sorted.sort(Comparator.comparingInt(ConnectionSummary::id));
    String checksum;
    if (sorted.size() == 1) {
      checksum = sorted.get(0).checksum();
    } else {
      Fnv1a64 f = new Fnv1a64();
      byte[] b = new byte[8];
      for (ConnectionSummary c : sorted) {
        java.nio.ByteBuffer.wrap(b).order(BlightWire.ORDER).putLong(0, c.checksumValue());
        f.update(b);
      }
      checksum = f.hex();
    }
    long[] requestTypes = perType.clone();
    requestTypes[BlightType.ACK.code()] = 0;
    requestTypes[BlightType.PING.code()] = 0;
    long requests = 0;
    for (long n : requestTypes) {
      requests += n;
    }
    return new ServerSummary(connections, messages, bytes, checksum, BlightProtocol.typeCounts(perType), requests,
        BlightProtocol.typeCounts(requestTypes), acksSent, pingsSent, pingAcks, refused, errorCount,
        new ArrayList<>(errors), sorted);
  }
}
