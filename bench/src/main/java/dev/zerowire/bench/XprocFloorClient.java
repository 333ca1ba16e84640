package dev.zerowire.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zerowire.actors.SocketOptions;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.BlightWire;
import dev.zerowire.blight.Fnv1a64;
import dev.zerowire.blight.SurfaceInfo;
import dev.zerowire.blight.TestPattern;
import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The floor blight client of {@code blight-xproc}, a JVM of its own: what {@code blight-client
 * --load ...} does, with native-io only, on the one main thread, no actors. The same work per
 * message as zerowire's load generator ({@code BlightLoad}: the conformance pattern copied into the
 * payload, FNV-1a over it, ackids 1..N per load, a final Ping awaited) and the syscalls zerowire's
 * client makes: header and payload gathered into one {@code sendmsg(MSG_DONTWAIT)}, a burst of
 * up to {@value #BURST} messages and 1 MiB a call when pipelining, {@code recv(MSG_DONTWAIT)} for
 * acks, {@code epoll_wait} on EAGAIN. Info (and every type libblight waits on) goes one at a time; the
 * server's Pings are answered between messages.
 *
 * <p>Prints blight-client's JSON keys for what the bench reads: {@code messages}, {@code bytes},
 * {@code acks} (every ack received), {@code ok}, {@code errors} and {@code loads} (each with
 * {@code messages, bytes, checksum, seconds, msgs_per_s, mb_per_s, acks_awaited}, latency p50/p99
 * for awaited types, {@code ok}).
 */
@Command(name = "floor-blight-client", mixinStandardHelpOptions = true,
    description = "The blight floor client of the blight-xproc bench scenario (native-io, one thread, no actors).")
public final class XprocFloorClient implements Callable<Integer> {
  @Option(names = "--connect", required = true, paramLabel = "ADDRESS", description = "tcp:HOST:PORT or unix:PATH")
  String connect;

  @Option(names = "--load", required = true, paramLabel = "TYPE:SIZE:N",
      description = "N messages of TYPE with SIZE-byte payloads; repeatable, run one after the other")
  List<String> loads;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  /**
   * Messages a pipelined burst sends, at most: the window of zerowire's load (BlightLoad), which
   * one 1024-iovec gather takes whole. A burst is also at most what one call of {@link
   * #GATHER_BYTES} takes (15 of 64 KiB), so no call is cut. Measured ({@code --only blight-xproc
   * --impl floor-xproc}, two runs each, 36 B msg/s / 64 KiB MB/s): 32 a burst 2.5-2.6 M / 391-395;
   * 128 of any size 3.7-3.8 M / 362-363 (the server idles while the client hashes 8 MiB); these
   * bounds 2.3-4.0 M / 407-425.
   */
  static final int BURST = 128;
  /** zerowire's default gather-bytes: the most one sendmsg takes. */
  static final long GATHER_BYTES = SocketOptions.defaults().gatherBytes();

  private NativeSocket socket;
  private Epoll epoll;
  private int interest;
  private final NativeBuffer in = NativeBuffer.allocate(64 * 1024);
  private final ByteBuffer inView = in.byteBuffer().order(BlightWire.ORDER);
  private int have;
  private final NativeBuffer pong = NativeBuffer.allocate(BlightHeader.SIZE);
  private final List<Integer> pingsOwed = new ArrayList<>();
  private final SendVector vector = new SendVector(2 * BURST);
  private long acks; // every Ack received
  private long loadAcks; // Acks for ackids 1..N of the load running
  private long loadMessages;
  private long awaited = -1; // the ackid whose Ack the client waits for, or -1
  private boolean awaitedCame;
  private int awaitedDataSize;

  public static void main(String[] args) {
    System.exit(new CommandLine(new XprocFloorClient()).execute(args));
  }

  /** One load as {@code TYPE:SIZE:N}. */
  record Load(BlightType type, int size, long messages) {
    static Load parse(String text) {
      String[] p = text.split(":");
      if (p.length != 3) {
        throw new IllegalArgumentException("--load wants TYPE:SIZE:N, not '" + text + "'");
      }
      return new Load(BlightType.parse(p[0]), Integer.parseInt(p[1].trim()), Long.parseLong(p[2].trim()));
    }
  }

  @Override
  public Integer call() throws Exception {
    List<Load> plan = loads.stream().map(Load::parse).toList();
    Map<String, Object> j = new LinkedHashMap<>();
    List<Map<String, Object>> done = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    long messages = 0;
    long bytes = 0;
    try {
      open(BlightAddress.parse(connect));
      for (Load l : plan) {
        Map<String, Object> r = run(l);
        done.add(r);
        messages += (long) r.get("messages");
        bytes += (long) r.get("bytes");
      }
    } catch (IOException | RuntimeException e) {
      errors.add(String.valueOf(e.getMessage()));
    } finally {
      if (socket != null) {
        socket.close();
        epoll.close();
      }
    }
    boolean ok = errors.isEmpty() && done.size() == plan.size();
    j.put("messages", messages);
    j.put("bytes", bytes);
    j.put("acks", acks);
    j.put("loads", done);
    j.put("ok", ok);
    j.put("errors", errors);
    System.out.println(json ? new ObjectMapper().writeValueAsString(j) : "floor-blight-client: " + j);
    System.out.flush();
    return ok ? 0 : 1;
  }

  private void open(SocketAddress server) throws IOException {
    socket = NativeSocket.forAddress(server, Kernel.SOCK_STREAM);
    epoll = new Epoll(1);
    interest = Kernel.EPOLLOUT;
    epoll.add(socket.fd(), interest, 1);
    if (!socket.connect(server)) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!socket.finishConnect()) {
        if (System.nanoTime() > deadline) {
          throw new IOException("could not connect to " + connect + " within 10 s");
        }
        epoll.waitFor(100);
      }
    }
    if (!socket.isUnix()) {
      socket.setTcpNoDelay(true); // as zerowire's blight client
    }
  }

  /** Runs one load: ackids 1..N, then a Ping N+1 whose Ack ends it. */
  private Map<String, Object> run(Load l) throws IOException {
    boolean waits = l.type().libblightWaitsForAck();
    long fit = Math.max(1, GATHER_BYTES / (BlightHeader.SIZE + l.size()));
    int slots = waits ? 1 : (int) Math.max(1, Math.min(Math.min(BURST, fit), l.messages()));
    NativeBuffer headers = NativeBuffer.allocate(BlightHeader.SIZE * slots);
    NativeBuffer payloads = l.size() == 0 ? null : NativeBuffer.allocate(l.size() * slots);
    ByteBuffer h = headers.byteBuffer().order(BlightWire.ORDER);
    byte[] pattern = new byte[l.size() + 256]; // byte j = j & 0xff: ackid k's payload starts at (k*31) & 0xff
    TestPattern.fill(0, pattern);
    Fnv1a64 checksum = new Fnv1a64();
    LongSamples latency = new LongSamples(waits ? (int) Math.min(l.messages(), 1 << 20) : 16);
    loadAcks = 0;
    loadMessages = l.messages();
    long t0 = System.nanoTime();
    try {
      long next = 1;
      while (next <= l.messages()) {
        int burst = (int) Math.min(slots, l.messages() - next + 1);
        answerPings();
        for (int i = 0; i < burst; i++) {
          long ackid = next + i;
          h.putInt(i * BlightHeader.SIZE, l.type().code()).putInt(i * BlightHeader.SIZE + 4, (int) ackid)
              .putInt(i * BlightHeader.SIZE + 8, l.size());
          if (payloads != null) {
            int from = (int) ((ackid * 31) & 0xff);
            payloads.put(i * l.size(), pattern, from, l.size());
            checksum.update(pattern, from, l.size());
          }
        }
        long asked = System.nanoTime();
        sendAll(headers, payloads, l.size(), burst);
        if (waits) {
          awaitAck(next, l.type() == BlightType.INFO ? SurfaceInfo.SIZE : -1);
          latency.add(System.nanoTime() - asked);
        } else {
          readAvailable();
        }
        next += burst;
      }
      answerPings();
      h.putInt(0, BlightType.PING.code()).putInt(4, (int) (l.messages() + 1)).putInt(8, 0);
      sendAll(headers, null, 0, 1);
      awaitAck(l.messages() + 1, 0);
    } finally {
      headers.release();
      if (payloads != null) {
        payloads.release();
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (loadAcks != l.messages()) {
      throw new IOException(l.type().wireName() + " load: " + loadAcks + " acks for " + l.messages()
          + " messages before the final Ping's Ack");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("messages", l.messages());
    m.put("bytes", l.messages() * l.size());
    m.put("checksum", checksum.hex());
    m.put("seconds", seconds);
    m.put("msgs_per_s", seconds > 0 ? l.messages() / seconds : 0.0);
    m.put("mb_per_s", seconds > 0 ? l.messages() * (double) l.size() / 1e6 / seconds : 0.0);
    m.put("acks_awaited", waits ? (long) latency.count() : 0L);
    if (waits && latency.count() > 0) {
      m.put("latency_us_p50", latency.percentile(50) / 1e3);
      m.put("latency_us_p99", latency.percentile(99) / 1e3);
    }
    m.put("ok", true);
    return m;
  }

  /** Sends {@code count} messages (header i, then payload i), gathered, in as few sendmsg calls as the kernel takes. */
  private void sendAll(NativeBuffer headers, NativeBuffer payloads, int size, int count) throws IOException {
    long total = (long) count * (BlightHeader.SIZE + size);
    long done = 0;
    while (done < total) {
      vector.clear();
      long skip = done;
      for (int i = 0; i < count; i++) { // the unsent rest, header and payload by turns
        skip = addFrom(headers, i * BlightHeader.SIZE, BlightHeader.SIZE, skip);
        if (size > 0) {
          skip = addFrom(payloads, i * size, size, skip);
        }
      }
      long w = socket.send(vector, false);
      if (w == NativeSocket.WOULD_BLOCK) {
        readAvailable(); // the server may be waiting for us to take its acks
        await(Kernel.EPOLLIN | Kernel.EPOLLOUT);
      } else {
        done += w;
      }
    }
  }

  /** Adds {@code [off, off+len)} of {@code b} less the first {@code skip} bytes; returns the skip left. */
  private long addFrom(NativeBuffer b, int off, int len, long skip) {
    if (skip >= len) {
      return skip - len;
    }
    vector.add(b, off + (int) skip, len - (int) skip);
    return 0;
  }

  /** Reads until the Ack of {@code ackid} came, checking its data size ({@code -1}: any). */
  private void awaitAck(long ackid, int dataSize) throws IOException {
    awaited = ackid;
    awaitedCame = false;
    while (true) {
      readAvailable();
      if (awaitedCame) {
        break;
      }
      await(Kernel.EPOLLIN);
    }
    awaited = -1;
    if (dataSize >= 0 && awaitedDataSize != dataSize) {
      throw new IOException("the Ack of ackid " + ackid + " carried " + awaitedDataSize + " bytes, not " + dataSize);
    }
  }

  /** recv until EAGAIN, handling every whole message read. */
  private void readAvailable() throws IOException {
    while (true) {
      long r = socket.recv(in, have, in.length() - have);
      if (r == NativeSocket.WOULD_BLOCK) {
        return;
      }
      if (r == 0) {
        throw new EOFException("the server closed the connection");
      }
      have += (int) r;
      int pos = 0;
      while (have - pos >= BlightHeader.SIZE) {
        int type = inView.getInt(pos);
        int ackid = inView.getInt(pos + 4);
        int size = inView.getInt(pos + 8);
        if (size < 0 || size > in.length() - BlightHeader.SIZE) {
          throw new IOException("a server message of " + Integer.toUnsignedString(size) + " bytes");
        }
        if (have - pos < BlightHeader.SIZE + size) {
          break;
        }
        pos += BlightHeader.SIZE + size;
        received(type, Integer.toUnsignedLong(ackid), size);
      }
      if (pos > 0) {
        ByteBuffer rest = inView.duplicate();
        rest.position(pos).limit(have);
        rest.compact();
        have -= pos;
      }
    }
  }

  private void received(int type, long ackid, int size) throws IOException {
    if (type == BlightType.ACK.code()) {
      acks++;
      if (ackid >= 1 && ackid <= loadMessages) {
        loadAcks++;
      }
      if (ackid == awaited) {
        awaitedCame = true;
        awaitedDataSize = size;
      }
    } else if (type == BlightType.PING.code()) {
      pingsOwed.add((int) ackid); // answered between whole messages, never inside one
    } else {
      throw new IOException("unexpected " + new BlightHeader(type, (int) ackid, size) + " from the server");
    }
  }

  /** Acks the server's Pings (as libblight does), each an empty Ack with the Ping's ackid. */
  private void answerPings() throws IOException {
    if (pingsOwed.isEmpty()) {
      return;
    }
    ByteBuffer p = pong.byteBuffer().order(BlightWire.ORDER);
    List<Integer> owed = List.copyOf(pingsOwed); // sendAll may read more Pings meanwhile
    pingsOwed.clear();
    for (int ackid : owed) {
      p.putInt(0, BlightType.ACK.code()).putInt(4, ackid).putInt(8, 0);
      sendAll(pong, null, 0, 1);
    }
  }

  /** epoll_wait for {@code events}, changing the registration only when it differs (one epoll_ctl). */
  private void await(int events) throws IOException {
    if (interest != events) {
      epoll.modify(socket.fd(), events, 1);
      interest = events;
    }
    epoll.waitFor(1000);
  }
}
