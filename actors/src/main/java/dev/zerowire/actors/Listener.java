package dev.zerowire.actors;

import dev.zerowire.actors.SocketProtocol.Bind;
import dev.zerowire.actors.SocketProtocol.BindFailed;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.ListenerCommand;
import dev.zerowire.actors.SocketProtocol.ManagerCommand;
import dev.zerowire.actors.SocketProtocol.Unbind;
import dev.zerowire.actors.SocketProtocol.Unbound;
import dev.zerowire.nativeio.Errno;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeIoException;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A listening socket: accepts connections (edge-triggered, until EAGAIN) and has the manager give
 * each its own socket actor.
 *
 * <p>What must stay true: a connection in the backlog is never left there while the listener
 * could take it. Edge-triggered epoll raises no new event for connections already queued
 * (epoll(7)), so whenever the accept loop stops before EAGAIN the listener itself makes sure it
 * comes back:
 *
 * <ul>
 *   <li><b>starved</b>: accept(2) failed for want of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM).
 *       The connection stays in the backlog; the listener retries on a timer with backoff ({@code
 *       accept-backoff-min} doubling to {@code accept-backoff-max}), so it neither spins nor
 *       sleeps forever, and logs once when the episode starts and once when it ends.
 *   <li><b>at the limit</b>: {@code max-connections} of its connections are open. It stops
 *       accepting (the kernel queues, then refuses, new ones) and logs once; each closed
 *       connection ({@link ConnectionEnded} from the manager) lets it accept again.
 * </ul>
 *
 * <p>An AF_UNIX path is created with mode 0600 atomically (fchmod on the socket before bind) and
 * removed when the listener stops; a path that does not fit {@code sun_path} is refused.
 */
final class Listener extends AbstractBehavior<ListenerCommand> {

  /** From the poller: a connection waits. */
  enum Acceptable implements SocketProtocol.ListenerInternal { INSTANCE }

  /** From the manager: one of this listener's connections has stopped. */
  enum ConnectionEnded implements SocketProtocol.ListenerInternal { INSTANCE }

  private enum RetryAccept implements SocketProtocol.ListenerInternal { INSTANCE }

  /**
   * The bind handler stopped (Pekko IO's death pact with the bind commander): nobody would take
   * the connections accepted from now on, so the listener unbinds, as for {@link Unbind}.
   */
  private enum HandlerGone implements SocketProtocol.ListenerInternal { INSTANCE }

  /** The longest AF_UNIX path: sizeof(sun_path) less its terminating NUL (unix(7)). */
  static final int UNIX_PATH_MAX_BYTES = 107;

  static Behavior<ListenerCommand> create(Bind bind, Poller poller, ActorRef<ManagerCommand> manager,
      Settings.Listening settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      long token = poller.newToken();
      NativeSocket socket = null;
      SocketAddress local = null;
      try {
        socket = NativeSocket.forAddress(bind.local(), Kernel.SOCK_STREAM);
        local = listen(socket, bind);
        ActorRef<ListenerCommand> self = ctx.getSelf();
        Poller.Registration registration = new Poller.Registration(token, socket.fd(), () -> self.tell(Acceptable.INSTANCE), () -> {});
        poller.register(registration);
        bind.handler().tell(new Bound(self, local));
        return new Listener(ctx, timers, bind, poller, manager, settings, socket, registration, local);
      } catch (IOException | RuntimeException e) {
        if (socket != null) {
          socket.close();
        }
        if (local instanceof UnixDomainSocketAddress unix) { // the path our bind(2) made: a later Bind may use it
          deleteQuietly(unix.getPath());
        }
        bind.handler().tell(new BindFailed(bind.local(), e));
        return Behaviors.stopped();
      }
    }));
  }

  private final TimerScheduler<ListenerCommand> timers;
  private final Bind bind;
  private final Poller poller;
  private final ActorRef<ManagerCommand> manager;
  private final Settings.Listening settings;
  private final NativeSocket socket;
  private final Poller.Registration registration;
  private final SocketAddress local;
  private final int maxConnections;

  private int open; // accepted connections whose socket actor has not stopped
  private boolean atLimit;
  private long starvedSinceNanos; // 0: not starved
  private int retries;
  private Duration backoff;

  private Listener(ActorContext<ListenerCommand> ctx, TimerScheduler<ListenerCommand> timers, Bind bind, Poller poller,
      ActorRef<ManagerCommand> manager, Settings.Listening settings, NativeSocket socket, Poller.Registration registration, SocketAddress local) {
    super(ctx);
    this.timers = timers;
    this.bind = bind;
    this.poller = poller;
    this.manager = manager;
    this.settings = settings;
    this.socket = socket;
    this.registration = registration;
    this.local = local;
    this.maxConnections = bind.maxConnections() >= 0 ? bind.maxConnections() : settings.maxConnections();
    ctx.watchWith(bind.handler(), HandlerGone.INSTANCE);
  }

  @Override
  public Receive<ListenerCommand> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Acceptable.INSTANCE, this::acceptAll)
        .onMessageEquals(RetryAccept.INSTANCE, this::acceptAll)
        .onMessageEquals(ConnectionEnded.INSTANCE, this::onConnectionEnded)
        .onMessageEquals(Unbind.INSTANCE, () -> {
          cleanup();
          return Behaviors.stopped();
        })
        .onMessageEquals(HandlerGone.INSTANCE, () -> {
          getContext().getLog().info("listener on {}: its handler stopped; unbinding", local);
          cleanup();
          return Behaviors.stopped();
        })
        .onSignal(PostStop.class, sig -> {
          cleanup();
          return Behaviors.same();
        })
        .build();
  }

  /** Accepts until EAGAIN, the connection limit, or a resource error (then retries later). */
  private Behavior<ListenerCommand> acceptAll() {
    while (true) {
      if (maxConnections > 0 && open >= maxConnections) {
        if (!atLimit) {
          atLimit = true;
          getContext().getLog().warn("listener on {} reached max-connections ({}): new connections wait in the listen "
              + "backlog until some close", local, maxConnections);
        }
        return Behaviors.same();
      }
      NativeSocket c;
      try {
        c = socket.accept();
      } catch (IOException e) {
        starved(e);
        return Behaviors.same();
      }
      if (c == null) {
        recovered(); // the backlog is empty: the episode is over; the next connection raises a new edge
        return Behaviors.same();
      }
      backoff = settings.acceptBackoffMin(); // progress: retry soon if it fails again
      open++;
      manager.tell(new Manager.SpawnAccepted(c, bind.options(), bind.handler(), getContext().getSelf()));
    }
  }

  /**
   * accept(2) failed: the connection waits in the backlog; retry with backoff. An episode lasts
   * until the backlog is empty, so a process that frees one fd at a time logs once, not per fd.
   */
  private void starved(IOException e) {
    boolean resources = e instanceof NativeIoException n && (n.errno() == Errno.EMFILE || n.errno() == Errno.ENFILE
        || n.errno() == Errno.ENOBUFS || n.errno() == Errno.ENOMEM);
    if (starvedSinceNanos == 0) {
      starvedSinceNanos = System.nanoTime();
      backoff = settings.acceptBackoffMin();
      retries = 0;
      getContext().getLog().warn("accept on {} failed: {}; {}; retrying every {}..{} ms, connections wait in the backlog",
          local, e.getMessage(), resources ? "out of resources, backing off" : "unexpected error, backing off",
          settings.acceptBackoffMin().toMillis(), settings.acceptBackoffMax().toMillis());
    } else {
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(settings.acceptBackoffMax()) > 0 ? settings.acceptBackoffMax() : doubled;
    }
    retries++;
    timers.startSingleTimer(RetryAccept.INSTANCE, backoff);
  }

  private void recovered() {
    if (starvedSinceNanos != 0) {
      getContext().getLog().info("accept on {} works again after {} ms and {} retries", local,
          (System.nanoTime() - starvedSinceNanos) / 1_000_000, retries);
      starvedSinceNanos = 0;
      retries = 0;
      timers.cancel(RetryAccept.INSTANCE);
    }
  }

  private Behavior<ListenerCommand> onConnectionEnded() {
    open--;
    if (atLimit && open < maxConnections) {
      atLimit = false;
      getContext().getLog().info("listener on {} is below max-connections ({}) again: accepting", local, maxConnections);
      return acceptAll(); // what queued meanwhile raised no new edge
    }
    return Behaviors.same();
  }

  private void cleanup() {
    if (socket.isOpen()) {
      poller.deregister(registration);
      socket.close();
      if (local instanceof UnixDomainSocketAddress unix) {
        try {
          Files.deleteIfExists(unix.getPath());
        } catch (IOException e) {
          getContext().getLog().warn("could not remove {}: {}", unix.getPath(), e.getMessage());
        }
      }
      bind.handler().tell(new Unbound(local));
    }
  }

  // ======================================================================== bind and listen

  /** bind(2) and listen(2); returns the bound address. Errors name the user's address and the errno. */
  private static SocketAddress listen(NativeSocket socket, Bind bind) throws IOException {
    SocketAddress local;
    if (bind.local() instanceof UnixDomainSocketAddress unix) {
      Path path = unix.getPath();
      bindUnix(socket, path);
      local = UnixDomainSocketAddress.of(path.toAbsolutePath());
    } else {
      socket.setReuseAddress(true);
      if (bind.options().sendBufferSize() > 0) { // accepted sockets inherit these
        socket.setSendBufferSize(bind.options().sendBufferSize());
      }
      if (bind.options().receiveBufferSize() > 0) {
        socket.setReceiveBufferSize(bind.options().receiveBufferSize());
      }
      try {
        socket.bind(bind.local());
      } catch (IOException e) {
        throw new IOException("bind to " + bind.local() + ": " + e.getMessage(), e);
      }
      local = null;
    }
    try {
      socket.listen(bind.backlog() > 0 ? bind.backlog() : 128);
    } catch (IOException e) {
      if (local instanceof UnixDomainSocketAddress unix) { // the path bind(2) made: a later Bind may use it
        deleteQuietly(unix.getPath());
      }
      throw e;
    }
    return local != null ? local : socket.localAddress();
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // the BindFailed names the real error; a path left behind says so at the next Bind
    }
  }

  /**
   * Binds at {@code path} with mode 0600 from the start: fchmod(2) on the socket before bind, so
   * the node appears with those bits and no other user can connect in between (see {@link
   * NativeSocket#setPermissions}). Refuses a path that does not fit sun_path before the kernel
   * does, and explains the errno in terms of the path.
   */
  static void bindUnix(NativeSocket socket, Path path) throws IOException {
    int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
    if (bytes > UNIX_PATH_MAX_BYTES) {
      throw new IOException("bind to unix path " + path + ": the path is " + bytes + " bytes; a unix socket path "
          + "(sun_path) holds at most " + UNIX_PATH_MAX_BYTES + " bytes (unix(7)): use a shorter path");
    }
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("bind to unix path " + path + ": the path exists (EADDRINUSE); remove it if it is stale");
    }
    socket.setPermissions(0600);
    try {
      socket.bind(UnixDomainSocketAddress.of(path));
    } catch (NativeIoException e) {
      Path parent = path.toAbsolutePath().getParent();
      String why = switch (e.errno()) {
        case Errno.ENOENT -> "no such directory: " + parent + " (ENOENT)";
        case Errno.EACCES -> "permission denied: cannot create a file in " + parent + " (EACCES)";
        case Errno.EADDRINUSE -> "the path exists (EADDRINUSE); remove it if it is stale";
        default -> Errno.name(e.errno());
      };
      throw new IOException("bind to unix path " + path + ": " + why + " [" + e.getMessage() + "]", e);
    }
  }
}
