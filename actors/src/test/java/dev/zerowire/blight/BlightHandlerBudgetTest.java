package dev.zerowire.blight;

import static dev.zerowire.blight.BlightTestSupport.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerowire.blight.BlightProtocol.ClientClosed;
import dev.zerowire.blight.BlightProtocol.ClientFinished;
import dev.zerowire.blight.BlightProtocol.ClientReply;
import dev.zerowire.blight.BlightProtocol.CloseClient;
import dev.zerowire.blight.BlightProtocol.HandlerRequest;
import dev.zerowire.blight.BlightProtocol.NoAck;
import dev.zerowire.blight.BlightProtocol.Request;
import dev.zerowire.blight.BlightProtocol.Requests;
import dev.zerowire.blight.BlightProtocol.ServerSummary;
import dev.zerowire.blight.BlightTestSupport.Client;
import dev.zerowire.blight.BlightTestSupport.Server;
import dev.zerowire.blight.BlightTestSupport.Transport;
import dev.zerowire.nativeio.NativeBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server whose handler actor answers later: each message it holds keeps its payload's share of
 * the server's payload budget until answered, so a handler slower than the network stops the
 * connection from reading at the budget instead of piling up up to max-pending-replies messages of
 * up to the maximum size each. Real client and server over a Unix socket; the handler is the test.
 */
class BlightHandlerBudgetTest {
  static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  /**
   * 100 KiB payloads are mostly complete in one of the server's 256 KiB reads (reserved whole
   * before they are allocated); 1 MiB ones arrive in pieces (their pieces' reservation is handed
   * over with the message).
   */
  @ParameterizedTest
  @ValueSource(ints = {100 * 1024, 1024 * 1024})
  void aSlowHandlerHoldsAtMostTheBudgetAndEveryReservationComesBack(int size, @TempDir Path dir) throws Exception {
    long limit = 4L * size + size / 2; // room for four messages held at once
    PayloadBudget budget = new PayloadBudget(limit);
    TestProbe<HandlerRequest> handler = kit.createTestProbe();
    Server server = BlightTestSupport.startServer(kit, Transport.UNIX.listenAddress(dir), BlightSettings.defaults(),
        handler.getRef(), budget);
    Client client = BlightTestSupport.connect(kit, server.address(), BlightSettings.defaults());
    TestProbe<ClientReply> replies = kit.createTestProbe();
    List<NativeBuffer> owned = new ArrayList<>();
    int n = 16;
    List<Request> batch = new ArrayList<>();
    for (int k = 1; k <= n; k++) {
      NativeBuffer b = NativeBuffer.allocate(size);
      owned.add(b);
      batch.add(Request.of(BlightType.REPAINT, b, k, replies.getRef()));
    }
    client.ref().tell(new Requests(batch));

    List<HandlerRequest> held = new ArrayList<>();
    held.add(handler.receiveMessage(WAIT));
    while (true) { // everything the server lets through while nothing is answered
      try {
        held.add(handler.receiveMessage(Duration.ofMillis(500)));
      } catch (AssertionError quiet) {
        break;
      }
    }
    assertTrue(held.size() <= 4, held.size() + " messages of " + size + " B held by a handler that answered none;"
        + " the budget has room for 4");
    assertTrue(budget.used() >= (long) held.size() * size && budget.used() <= limit,
        "budget used " + budget.used() + " for " + held.size() + " held messages, limit " + limit);

    for (int answered = 0; answered < n; answered++) { // the oldest first; each answer lets more through
      if (held.isEmpty()) {
        held.add(handler.receiveMessage(WAIT));
      }
      HandlerRequest r = held.remove(0);
      r.replyTo().tell(new NoAck(r.frame().ackid()));
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (budget.used() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(0, budget.used(), "every reservation came back with its answer");

    client.ref().tell(new CloseClient(null));
    client.await(ClientClosed.class);
    server.await(ClientFinished.class);
    ServerSummary s = server.stop(kit);
    assertEquals((long) n, s.types().get("repaint"));
    assertEquals(List.of(), s.errors());
    owned.forEach(NativeBuffer::release);
  }
}
