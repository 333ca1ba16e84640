package dev.zerowire.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The two kinds of blight peer blight-xproc runs as separate JVMs: zerowire's own commands
 * ({@code blight-server}, {@code blight-client}, as a user runs them) and their floor twins
 * ({@link XprocFloorServer}, {@link XprocFloorClient}). Both servers answer alike and print the
 * same summary keys; both clients take the same {@code --load} list and print the same JSON keys.
 */
enum XprocPeer {
  FLOOR, ZEROWIRE;

  private static final String CLI = "dev.zerowire.samples.Main";

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Starts this kind of server on every address in {@code listen}, stopping by itself after {@code connections} clients. */
  ChildJvm startServer(List<String> listen, int connections, XprocPlan plan) throws java.io.IOException {
    List<String> args = new ArrayList<>();
    if (this == ZEROWIRE) {
      args.add("blight-server");
    }
    for (String l : listen) {
      args.add("--listen");
      args.add(l);
    }
    args.addAll(List.of("--connections", Integer.toString(connections), "--json"));
    return ChildJvm.start(label() + "-server", XprocCpus.prefix(plan.cpus().server()),
        this == ZEROWIRE ? CLI : XprocFloorServer.class.getName(), args, plan.grace());
  }

  /** Starts this kind of client against {@code address} with the plan's loads. */
  ChildJvm startClient(String address, XprocPlan plan) throws java.io.IOException {
    List<String> args = new ArrayList<>();
    if (this == ZEROWIRE) {
      args.add("blight-client");
    }
    args.addAll(List.of("--connect", address, "--json"));
    args.addAll(plan.loadArgs());
    return ChildJvm.start(label() + "-client", XprocCpus.prefix(plan.cpus().client()),
        this == ZEROWIRE ? CLI : XprocFloorClient.class.getName(), args, plan.grace());
  }
}
