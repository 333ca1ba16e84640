package dev.zerowire.actors;

import dev.zerowire.actors.SocketProtocol.Bind;
import dev.zerowire.actors.SocketProtocol.BindFailed;
import dev.zerowire.actors.SocketProtocol.Bound;
import dev.zerowire.actors.SocketProtocol.ListenerCommand;
import dev.zerowire.actors.SocketProtocol.ManagerCommand;
import dev.zerowire.actors.SocketProtocol.Unbind;
import dev.zerowire.actors.SocketProtocol.Unbound;
import dev.zerowire.nativeio.Kernel;
import dev.zerowire.nativeio.NativeSocket;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A listening socket: accepts connections (edge-triggered, until EAGAIN) and has the manager give
 * each its own socket actor. An AF_UNIX path is bound inside a fresh 0700 directory, set to 0600,
 * then renamed into place, so no other user can connect in the window before the chmod; it is
 * removed when the listener stops.
 */
final class Listener {
  private Listener() {}

  /** From the poller: a connection waits. */
  enum Acceptable implements SocketProtocol.ListenerInternal { INSTANCE }

  static Behavior<ListenerCommand> create(Bind bind, Poller poller, ActorRef<ManagerCommand> manager) {
    return Behaviors.setup(ctx -> {
      NativeSocket socket = null;
      Path unixPath = null;
      SocketAddress local;
      long token = poller.newToken();
      try {
        socket = NativeSocket.forAddress(bind.local(), Kernel.SOCK_STREAM);
        if (bind.local() instanceof UnixDomainSocketAddress unix) {
          unixPath = unix.getPath().toAbsolutePath();
          bindPrivately(socket, unixPath);
        } else {
          socket.setReuseAddress(true);
          if (bind.options().sendBufferSize() > 0) { // accepted sockets inherit these
            socket.setSendBufferSize(bind.options().sendBufferSize());
          }
          if (bind.options().receiveBufferSize() > 0) {
            socket.setReceiveBufferSize(bind.options().receiveBufferSize());
          }
          socket.bind(bind.local());
        }
        socket.listen(bind.backlog() > 0 ? bind.backlog() : 128);
        local = unixPath != null ? UnixDomainSocketAddress.of(unixPath) : socket.localAddress();
        ActorRef<ListenerCommand> self = ctx.getSelf();
        poller.register(new Poller.Registration(token, socket.fd(), () -> self.tell(Acceptable.INSTANCE), () -> {}, null));
      } catch (IOException | RuntimeException e) {
        if (socket != null) {
          socket.close();
        }
        bind.handler().tell(new BindFailed(bind.local(), e));
        return Behaviors.stopped();
      }
      bind.handler().tell(new Bound(ctx.getSelf(), local));
      NativeSocket s = socket;
      Path path = unixPath;
      Runnable cleanup = () -> {
        if (s.isOpen()) {
          poller.deregister(token, s.fd());
          s.close();
          if (path != null) {
            try {
              Files.deleteIfExists(path);
            } catch (IOException e) {
              ctx.getLog().warn("could not remove {}: {}", path, e.getMessage());
            }
          }
          bind.handler().tell(new Unbound(local));
        }
      };
      return Behaviors.receive(ListenerCommand.class)
          .onMessageEquals(Acceptable.INSTANCE, () -> {
            try {
              NativeSocket c;
              while ((c = s.accept()) != null) {
                manager.tell(new Manager.SpawnAccepted(c, bind.options(), bind.handler()));
              }
            } catch (IOException e) {
              ctx.getLog().warn("accept on {} failed: {}", local, e.getMessage());
            }
            return Behaviors.same();
          })
          .onMessageEquals(Unbind.INSTANCE, () -> {
            cleanup.run();
            return Behaviors.stopped();
          })
          .onSignal(PostStop.class, sig -> {
            cleanup.run();
            return Behaviors.same();
          })
          .build();
    });
  }

  /** bind(2) at {@code path} with mode 0600, atomically visible (bind in a 0700 dir, chmod, rename). */
  private static void bindPrivately(NativeSocket socket, Path path) throws IOException {
    if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("bind to unix path " + path + ": the path exists (remove it if it is stale)");
    }
    Path parent = path.getParent();
    Path dir = Files.createTempDirectory(parent, ".zerowire-bind-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path tmp = dir.resolve("s");
    try {
      socket.bind(UnixDomainSocketAddress.of(tmp));
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, path); // rename(2): fails if something appeared at path meanwhile
    } finally {
      Files.deleteIfExists(tmp);
      Files.deleteIfExists(dir);
    }
  }
}
