package dev.zerowire.samples.bench;

import java.net.SocketAddress;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * How a blight client joins the small-messages and round-trip scenarios: the extension point for
 * zerowire's blight client actors.
 *
 * <p>To plug one in, implement this interface (and {@link BlightClientUnderTest}) in the samples
 * module and list the class in {@code META-INF/services/dev.zerowire.samples.bench.BlightClientFactory}.
 * The scenarios find every factory with {@link java.util.ServiceLoader}; each runs interleaved with
 * the built-in {@code naive-two-writes} sender against the same Java-side server, over a Unix
 * stream socket and over loopback TCP. While no factory is found, both scenarios still measure the
 * naive sender and list "blight client not integrated" under {@code skipped}, and the targets that
 * need zerowire's numbers are reported as not evaluated.
 */
public interface BlightClientFactory {
  /** The implementation name in the results, e.g. {@code zerowire-adaptive}. */
  String impl();

  /**
   * Connects a client to the bench's server at {@code server} (a {@link
   * java.net.UnixDomainSocketAddress} or a loopback {@link java.net.InetSocketAddress}), in
   * {@code system}, where zerowire is already started. Returns once the connection is usable.
   */
  BlightClientUnderTest connect(ActorSystem<Void> system, SocketAddress server) throws Exception;
}
