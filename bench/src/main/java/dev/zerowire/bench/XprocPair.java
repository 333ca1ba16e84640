package dev.zerowire.bench;

/**
 * A client and a server of blight-xproc, each a JVM of its own, and the row they are reported as.
 * The floor pair is the best a JNA program does across processes; each zerowire row's {@code tax}
 * is its figure over the floor's ({@link Report#tax}: the floor row's impl starts with
 * {@code floor-}, the others with {@code zerowire}). {@code zerowire-client} and
 * {@code zerowire-server} put zerowire on one side only, so each side's share shows.
 */
enum XprocPair {
  FLOOR("floor-xproc", XprocPeer.FLOOR, XprocPeer.FLOOR),
  ZEROWIRE_CLIENT("zerowire-client", XprocPeer.ZEROWIRE, XprocPeer.FLOOR),
  ZEROWIRE_SERVER("zerowire-server", XprocPeer.FLOOR, XprocPeer.ZEROWIRE),
  ZEROWIRE("zerowire", XprocPeer.ZEROWIRE, XprocPeer.ZEROWIRE);

  private final String impl;
  private final XprocPeer client;
  private final XprocPeer server;

  XprocPair(String impl, XprocPeer client, XprocPeer server) {
    this.impl = impl;
    this.client = client;
    this.server = server;
  }

  String impl() {
    return impl;
  }

  XprocPeer client() {
    return client;
  }

  XprocPeer server() {
    return server;
  }
}
