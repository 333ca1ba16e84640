package dev.zerowire.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scenario {@code blight-xproc}: blight server and client as separate JVMs, the way a display
 * server and its clients run. Four pairs ({@link XprocPair}): the floor (floor client, floor
 * server), zerowire on the client side, on the server side, and on both; over a Unix stream socket
 * and loopback TCP. Each client process runs, on one connection, the first {@link XprocPlan#cold}
 * Info round trips of its fresh JVM ("req/s cold"), an Info warm-up, measured Info round trips one
 * at a time (req/s, p50/p99 latency), then warmed-up 64 KiB Repaints (MB/s) and 36-byte Repaints
 * (msg/s). Rows come only from runs that add up: the client's own counts (every message acked,
 * every load ok) and, at the end, each server's summary (payload bytes, requests and acks sent
 * equal to what its clients sent).
 *
 * <p>One server of each kind serves the whole scenario on both transports. A child that dies, hangs
 * or prints no result skips its pair on that transport with the reason (and counts as a failure of
 * the run); every child is killed when the scenario ends, whatever happened.
 */
final class XprocScenario implements Scenario {
  static final String NAME = "blight-xproc";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final XprocPlan fixed; // null: from the bench plan

  XprocScenario() {
    this(null);
  }

  /** With counts of its own (tests), instead of the bench plan's quick or full ones. */
  XprocScenario(XprocPlan plan) {
    this.fixed = plan;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String title() {
    return "blight server and client as separate JVMs (floor / zerowire on either side), Unix and TCP: "
        + "Info round trips warm and cold, 64 KiB and 36 B Repaints";
  }

  /** One row group: a pair over one transport. */
  private record Key(XprocPair pair, BlightTransport transport) {}

  @Override
  public void run(BenchContext ctx) throws Exception {
    XprocPlan plan = fixed != null ? fixed : XprocPlan.of(ctx.plan());
    List<XprocPair> pairs = new ArrayList<>();
    for (XprocPair p : XprocPair.values()) {
      if (ctx.plan().wants(p.impl())) {
        pairs.add(p);
      }
    }
    if (plan.cpus().pinned()) {
      String why = cannotPin(plan.cpus());
      if (why != null) {
        for (XprocPair p : pairs) {
          for (BlightTransport t : plan.transports()) {
            fail(ctx, p, t, why);
          }
        }
        return;
      }
      ctx.progress().note("pinned with taskset: " + plan.cpus());
    }
    Path dir = Files.createTempDirectory("zwbench-xproc");
    Map<XprocPeer, ChildJvm> servers = new EnumMap<>(XprocPeer.class);
    Map<XprocPeer, Map<String, String>> addresses = new EnumMap<>(XprocPeer.class);
    Map<XprocPeer, Integer> clients = new EnumMap<>(XprocPeer.class);
    Map<Key, List<XprocResult>> results = new java.util.LinkedHashMap<>();
    Set<Key> failed = new LinkedHashSet<>();
    try {
      for (XprocPair p : pairs) {
        clients.merge(p.server(), plan.processes() * plan.transports().size(), Integer::sum);
      }
      // One server of each kind for the whole scenario, on every transport: both start before either
      // is waited for, and none starts while a client is measured.
      for (Map.Entry<XprocPeer, Integer> s : clients.entrySet()) {
        List<String> listen = new ArrayList<>();
        for (BlightTransport t : plan.transports()) {
          listen.add(t == BlightTransport.UNIX ? "unix:" + dir.resolve(s.getKey().label() + ".sock") : "tcp:127.0.0.1:0");
        }
        servers.put(s.getKey(), s.getKey().startServer(listen, s.getValue(), plan));
      }
      for (Map.Entry<XprocPeer, ChildJvm> s : servers.entrySet()) {
        try {
          addresses.put(s.getKey(), listeningOn(s.getValue().awaitStderr("listening on ", plan.startTimeout())));
        } catch (ChildJvm.Failed e) {
          for (XprocPair p : pairs) {
            for (BlightTransport t : plan.transports()) {
              if (p.server() == s.getKey() && failed.add(new Key(p, t))) {
                fail(ctx, p, t, e.getMessage());
              }
            }
          }
        }
      }
      for (BlightTransport t : plan.transports()) {
        for (int round = 0; round < plan.processes(); round++) { // interleaved: A B C D A B C D ...
          for (XprocPair p : pairs) {
            Key k = new Key(p, t);
            if (!failed.contains(k)) {
              runClient(ctx, plan, k, round, addresses.get(p.server()), results, failed);
            }
          }
        }
      }
      for (XprocPeer server : servers.keySet()) {
        checkServer(ctx, plan, pairs, server, servers.get(server), failed);
      }
      for (Map.Entry<Key, List<XprocResult>> e : results.entrySet()) {
        if (!failed.contains(e.getKey())) {
          ctx.report().addAll(rows(e.getKey().pair(), e.getKey().transport(), e.getValue()));
        }
      }
    } finally {
      for (ChildJvm s : servers.values()) {
        s.close();
      }
      for (XprocPeer k : XprocPeer.values()) {
        Files.deleteIfExists(dir.resolve(k.label() + ".sock"));
      }
      Files.deleteIfExists(dir);
    }
  }

  /** One fresh client process of {@code k}'s pair; its verified result, or its pair skipped on that transport. */
  private static void runClient(BenchContext ctx, XprocPlan plan, Key k, int round, Map<String, String> serverAt,
      Map<Key, List<XprocResult>> results, Set<Key> failed) throws IOException, InterruptedException {
    XprocPair p = k.pair();
    BlightTransport t = k.transport();
    ctx.progress().step(NAME, t.label(), p.impl(), "client process " + (round + 1) + "/" + plan.processes());
    String address = serverAt.get(t.label());
    if (address == null) {
      failed.add(k);
      fail(ctx, p, t, p.server().label() + " server listens on no " + t.label() + " address: " + serverAt);
      return;
    }
    try (ChildJvm client = p.client().startClient(address, plan)) {
      XprocResult r = XprocResult.parse(client.awaitJson(plan.clientTimeout()), plan);
      results.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
      ctx.progress().note(String.format(java.util.Locale.ROOT,
          "cold %s req/s, warm %s req/s (p50 %.1f us), 64 KiB %s MB/s, 36 B %s msg/s", Report.number(r.cold()),
          Report.number(Stats.median(r.infoRate())), Stats.median(r.p50()), Report.number(Stats.median(r.bigMbs())),
          Report.number(Stats.median(r.smallRate()))));
    } catch (ChildJvm.Failed | IllegalStateException e) {
      failed.add(k);
      fail(ctx, p, t, e.getMessage());
    }
  }

  /** Null when {@code taskset} runs a program on each of the CPU lists here, else why not. */
  static String cannotPin(XprocCpus cpus) throws InterruptedException {
    for (String list : List.of(cpus.server(), cpus.client())) {
      List<String> cmd = new ArrayList<>(XprocCpus.prefix(list));
      cmd.add("true");
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        // Wait first, bounded: reading its output to the end would wait for as long as taskset
        // runs. What it says is one line, which the pipe holds without blocking it.
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return "cannot pin to CPUs " + list + " with taskset: it did not finish within 10 s";
        }
        if (p.exitValue() != 0) {
          String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
          return "cannot pin to CPUs " + list + " with taskset: " + said;
        }
      } catch (IOException e) {
        return "cannot pin with taskset (util-linux): " + e.getMessage();
      }
    }
    return null;
  }

  /** The addresses after "listening on ", by transport label ({@code unix}, {@code tcp}). */
  static Map<String, String> listeningOn(String line) {
    String rest = line.substring(line.indexOf("listening on ") + "listening on ".length());
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String a : rest.split(",")) {
      String address = a.trim();
      out.putIfAbsent(address.substring(0, Math.max(0, address.indexOf(':'))), address);
    }
    return out;
  }

  private static void fail(BenchContext ctx, XprocPair p, BlightTransport t, String why) {
    ctx.report().failure(new Skipped(NAME, p.impl() + " (" + t.label() + "): " + why));
    ctx.progress().note(p.impl() + " (" + t.label() + ") skipped: " + why);
  }

  /**
   * Reads the server's summary (it ends by itself once all its clients have come and gone) and
   * checks it against what they sent: payload bytes, Info and Repaint requests, acks sent (every
   * message and every final Ping), no error. A pair whose server does not add up is dropped. When
   * one of its pairs failed the server waits for a client that never comes: nothing to check.
   */
  private static void checkServer(BenchContext ctx, XprocPlan plan, List<XprocPair> pairs, XprocPeer server,
      ChildJvm child, Set<Key> failed) throws InterruptedException {
    List<Key> mine = new ArrayList<>();
    for (XprocPair p : pairs) {
      for (BlightTransport t : plan.transports()) {
        if (p.server() == server) {
          mine.add(new Key(p, t));
        }
      }
    }
    if (mine.stream().anyMatch(failed::contains)) {
      return;
    }
    long clients = (long) mine.size() * plan.processes();
    String why;
    try {
      JsonNode s = JSON.readTree(child.awaitJson(plan.startTimeout()));
      why = mismatch(s, clients, plan);
    } catch (ChildJvm.Failed | IOException e) {
      why = e.getMessage();
    }
    if (why != null) {
      for (Key k : mine) {
        failed.add(k);
        fail(ctx, k.pair(), k.transport(), server.label() + " server: " + why);
      }
    }
  }

  /** Null when the summary matches {@code clients} client processes of {@code plan}, else what differs. */
  static String mismatch(JsonNode s, long clients, XprocPlan plan) {
    long bytes = clients * plan.bytesPerProcess();
    long info = clients * plan.infoPerProcess();
    long repaints = clients * plan.repaintsPerProcess();
    long acks = clients * (plan.messagesPerProcess() + plan.loadsPerProcess());
    List<String> wrong = new ArrayList<>();
    check(wrong, "payload bytes", s.path("bytes").asLong(-1), bytes);
    check(wrong, "Info requests", s.path("request_types").path("info").asLong(-1), info);
    check(wrong, "Repaint requests", s.path("request_types").path("repaint").asLong(-1), repaints);
    check(wrong, "acks sent", s.path("acks_sent").asLong(-1), acks);
    check(wrong, "connections", s.path("connections").asLong(-1), clients);
    check(wrong, "errors", s.path("error_count").asLong(-1), 0);
    return wrong.isEmpty() ? null : String.join(", ", wrong) + " (errors: " + s.path("errors") + ")";
  }

  private static void check(List<String> wrong, String what, long got, long expected) {
    if (got != expected) {
      wrong.add(what + " " + got + ", expected " + expected);
    }
  }

  /** Info warm (req/s, p50, p99) and cold (req/s), 64 KiB Repaints (MB/s), 36 B Repaints (msg/s). */
  static List<Row> rows(XprocPair p, BlightTransport t, Collection<XprocResult> rs) {
    List<Row> out = new ArrayList<>();
    String info = t.label() + " info";
    out.add(row(p, info, Units.REQ_S, rs.stream().flatMap(r -> r.infoRate().stream()).toList()));
    out.add(row(p, info, Units.US_P50, rs.stream().flatMap(r -> r.p50().stream()).toList()));
    out.add(row(p, info, Units.US_P99, rs.stream().flatMap(r -> r.p99().stream()).toList()));
    out.add(row(p, info, Units.REQ_S_COLD, rs.stream().map(XprocResult::cold).toList()));
    out.add(row(p, t.label() + " 64 KiB repaint", Units.MB_S, rs.stream().flatMap(r -> r.bigMbs().stream()).toList()));
    out.add(row(p, t.label() + " 36 B repaint", Units.MSG_S, rs.stream().flatMap(r -> r.smallRate().stream()).toList()));
    return out;
  }

  private static Row row(XprocPair p, String param, String unit, List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    return Row.of(NAME, p.impl(), param, unit, Stats.median(v), Stats.min(v), Stats.max(v), v.length);
  }
}
