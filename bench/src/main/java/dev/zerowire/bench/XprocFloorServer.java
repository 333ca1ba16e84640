package dev.zerowire.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.zerowire.blight.BlightAddress;
import dev.zerowire.blight.BlightHandlers;
import dev.zerowire.blight.BlightHeader;
import dev.zerowire.blight.BlightPayloads;
import dev.zerowire.blight.BlightProtocolException;
import dev.zerowire.blight.BlightType;
import dev.zerowire.blight.BlightWire;
import dev.zerowire.blight.Fnv1a64;
import dev.zerowire.nativeio.Epoll;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeBuffer;
import dev.zerowire.nativeio.NativeSocket;
import dev.zerowire.nativeio.SendVector;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The floor blight server of {@code blight-xproc}, a JVM of its own: native-io only, one platform
 * thread, no actors, the syscalls zerowire's server makes ({@code recv(MSG_DONTWAIT)} into one
 * buffer, headers walked in place, the acks of a chunk written with one {@code sendmsg},
 * {@code epoll_wait} on EAGAIN). It answers as {@code blight-server} does with its default ack
 * policy ({@code all}, {@link BlightHandlers}): every message but an Ack is acked at once, Info with
 * the 32-byte default surface info, List with the default surface ids, everything else with an
 * empty ack; a header that is not valid ends the connection with an error. It does not ping its
 * clients (zerowire's server pings once a second, which costs nothing measurable here).
 *
 * <p>Connections, on any of its addresses, are served one after the other (the bench's clients come
 * one at a time) until
 * {@code --connections} have ended; then one summary line, with {@code blight-server}'s key names
 * for the counts the bench checks ({@code bytes}, {@code request_types}, {@code acks_sent}, ...).
 * It prints {@code listening on ADDRESS} on stderr once it accepts connections.
 */
@Command(name = "floor-blight-server", mixinStandardHelpOptions = true,
    description = "The blight floor server of the blight-xproc bench scenario (native-io, one thread, no actors).")
public final class XprocFloorServer implements Callable<Integer> {
  @Option(names = "--listen", required = true, paramLabel = "ADDRESS",
      description = "tcp:HOST:PORT or unix:PATH; repeatable")
  List<String> listen;

  @Option(names = "--connections", defaultValue = "1", paramLabel = "K", description = "connections to serve")
  int connections;

  @Option(names = "--json", description = "print the summary as one JSON object")
  boolean json;

  private static final int IN_BYTES = 256 * 1024; // as the bench's in-process BlightServer
  private static final int OUT_BYTES = 64 * 1024;
  private static final byte[] INFO = BlightHandlers.DEFAULT_SURFACE.encode();
  private static final byte[] IDS = BlightPayloads.encodeSurfaceIds(BlightHandlers.DEFAULT_SURFACE_IDS);

  private final Fnv1a64 checksum = new Fnv1a64();
  private final long[] types = new long[BlightType.values().length];
  private final List<String> errors = new ArrayList<>();
  private long messages;
  private long bytes;
  private long acksSent;
  private int served;

  public static void main(String[] args) {
    System.exit(new CommandLine(new XprocFloorServer()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    List<SocketAddress> addresses = listen.stream().map(BlightAddress::parse).toList();
    List<NativeSocket> listeners = new ArrayList<>();
    try (Epoll accepting = new Epoll(addresses.size())) {
      List<String> bound = new ArrayList<>();
      for (SocketAddress address : addresses) {
        NativeSocket l = NativeSocket.forAddress(address, Kernel.SOCK_STREAM);
        listeners.add(l);
        if (!l.isUnix()) {
          l.setReuseAddress(true);
        }
        l.bind(address);
        l.listen(16);
        accepting.add(l.fd(), Kernel.EPOLLIN, listeners.size() - 1);
        bound.add(BlightAddress.format(l.localAddress()));
      }
      System.err.println("floor-blight-server: listening on " + String.join(", ", bound));
      while (served < connections) {
        NativeSocket accepted = null;
        for (NativeSocket l : listeners) {
          accepted = accepted != null ? accepted : l.accept();
        }
        if (accepted == null) {
          accepting.waitFor(1000);
          continue;
        }
        System.err.println("floor-blight-server: connection " + (served + 1) + " accepted");
        try (NativeSocket c = accepted) {
          if (!c.isUnix()) {
            c.setTcpNoDelay(true); // as zerowire's server
          }
          serve(c);
        } catch (IOException e) {
          errors.add("connection " + (served + 1) + ": " + e.getMessage());
        }
        served++;
      }
    } finally {
      listeners.forEach(NativeSocket::close);
      for (SocketAddress a : addresses) {
        if (a instanceof UnixDomainSocketAddress u) {
          Files.deleteIfExists(u.getPath());
        }
      }
    }
    System.out.println(json ? new ObjectMapper().writeValueAsString(summary()) : "floor-blight-server: " + summary());
    System.out.flush();
    return errors.isEmpty() ? 0 : 1;
  }

  /** Serves one connection until the client closes it; an IOException for a protocol or socket fault. */
  private void serve(NativeSocket s) throws IOException {
    NativeBuffer in = NativeBuffer.allocate(IN_BYTES);
    NativeBuffer out = NativeBuffer.allocate(OUT_BYTES);
    SendVector vector = new SendVector(1);
    try (Epoll epoll = new Epoll(1)) {
      epoll.add(s.fd(), Kernel.EPOLLIN, 1);
      new Served(s, epoll, in, out, vector).run();
    } finally {
      vector.free();
      in.release();
      out.release();
    }
  }

  /** One connection's state: the receive buffer walked in place, the acks owed, the message in progress. */
  private final class Served {
    private final NativeSocket socket;
    private final Epoll epoll;
    private final NativeBuffer in;
    private final NativeBuffer out;
    private final ByteBuffer inView;
    private final ByteBuffer outView;
    private final SendVector vector;
    private int interest = Kernel.EPOLLIN;
    private int outLength;
    private long payloadLeft; // bytes of the current message's payload still to come
    private int type;
    private int ackid;
    private int size;

    Served(NativeSocket socket, Epoll epoll, NativeBuffer in, NativeBuffer out, SendVector vector) {
      this.socket = socket;
      this.epoll = epoll;
      this.in = in;
      this.out = out;
      this.inView = in.byteBuffer().order(BlightWire.ORDER);
      this.outView = out.byteBuffer().order(BlightWire.ORDER);
      this.vector = vector;
    }

    void run() throws IOException {
      int have = 0;
      while (true) {
        long r = socket.recv(in, have, in.length() - have);
        if (r == NativeSocket.WOULD_BLOCK) {
          flush();
          await(Kernel.EPOLLIN);
          continue;
        }
        if (r == 0) {
          flush();
          if (have > 0 || payloadLeft > 0) {
            throw new EOFException("the client closed in the middle of a message");
          }
          return;
        }
        have += (int) r;
        int used = walk(have);
        if (used < have) { // a partial header: move it to the front (never more than 11 bytes)
          ByteBuffer rest = inView.duplicate();
          rest.position(used).limit(have);
          rest.compact();
        }
        have -= used;
        flush(); // the acks of this chunk in one sendmsg, as zerowire's server gathers them
      }
    }

    /** Handles every whole header and payload byte in {@code [0, have)}; returns how many it used. */
    private int walk(int have) throws IOException {
      int pos = 0;
      while (true) {
        if (payloadLeft > 0) {
          int take = (int) Math.min(payloadLeft, have - pos);
          checksum.update(inView.duplicate().position(pos).limit(pos + take));
          pos += take;
          payloadLeft -= take;
          bytes += take;
          if (payloadLeft > 0) {
            return pos;
          }
          answer();
          continue;
        }
        if (have - pos < BlightHeader.SIZE) {
          return pos;
        }
        type = inView.getInt(pos);
        ackid = inView.getInt(pos + 4);
        size = inView.getInt(pos + 8);
        pos += BlightHeader.SIZE;
        BlightProtocolException fault = new BlightHeader(type, ackid, size).problem(BlightWire.DEFAULT_MAX_PAYLOAD_SIZE);
        if (fault != null) {
          flush(); // the acks already owed go out first, as zerowire's server sends them
          throw new IOException(fault.getMessage());
        }
        messages++;
        types[type]++;
        payloadLeft = Integer.toUnsignedLong(size);
        if (payloadLeft == 0) {
          answer();
        }
      }
    }

    /** The ack of the message just completed, as {@code BlightHandlers.displayServer()} answers. */
    private void answer() throws IOException {
      BlightType t = BlightType.fromCode(type);
      if (t == BlightType.ACK) {
        return; // an Ack is never acked
      }
      byte[] data = t == BlightType.INFO ? INFO : t == BlightType.LIST ? IDS : null;
      int length = BlightHeader.SIZE + (data == null ? 0 : data.length);
      if (OUT_BYTES - outLength < length) {
        flush();
      }
      outView.putInt(outLength, BlightType.ACK.code()).putInt(outLength + 4, ackid)
          .putInt(outLength + 8, data == null ? 0 : data.length);
      if (data != null) {
        out.put(outLength + BlightHeader.SIZE, data, 0, data.length);
      }
      outLength += length;
      acksSent++;
    }

    /** Writes every owed ack, waiting for room (epoll_wait on EAGAIN). */
    private void flush() throws IOException {
      int sent = 0;
      while (sent < outLength) {
        vector.clear();
        vector.add(out, sent, outLength - sent);
        long w = socket.send(vector, false);
        if (w == NativeSocket.WOULD_BLOCK) {
          await(Kernel.EPOLLOUT);
        } else {
          sent += (int) w;
        }
      }
      outLength = 0;
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

  /** blight-server's summary keys for what the floor counts. */
  Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("messages", messages);
    m.put("bytes", bytes);
    m.put("checksum", checksum.hex()); // FNV-1a over every payload byte in arrival order (not per connection)
    Map<String, Long> all = new LinkedHashMap<>();
    Map<String, Long> requests = new LinkedHashMap<>();
    long requestCount = 0;
    for (BlightType t : BlightType.values()) {
      long n = types[t.ordinal()];
      if (n == 0) {
        continue;
      }
      all.put(t.cliName(), n);
      if (t != BlightType.ACK && t != BlightType.PING) {
        requests.put(t.cliName(), n);
        requestCount += n;
      }
    }
    m.put("types", all);
    m.put("requests", requestCount);
    m.put("request_types", requests);
    m.put("acks_sent", acksSent);
    m.put("errors", errors);
    m.put("error_count", errors.size());
    m.put("connections", served);
    m.put("refused", 0);
    return m;
  }
}
