package dev.zerowire.nativeio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * What this machine's loopback can do, from {@link Capabilities#probe()} plus a bind to the
 * loopback address of each family: the basis of every visible skip in this suite. Never used as
 * a silent {@code if}: a test either runs or is reported skipped with {@link #whyNot}.
 */
final class LoopbackCapability implements ExecutionCondition {
  private static Capabilities capabilities;

  static synchronized Capabilities capabilities() {
    if (capabilities == null) {
      try {
        capabilities = Capabilities.probe();
      } catch (IOException e) {
        throw new IllegalStateException("Capabilities.probe() failed", e);
      }
    }
    return capabilities;
  }

  /** Empty when {@code kind} works on loopback with SO_ZEROCOPY, else why not. */
  static Optional<String> whyNot(String kind) {
    Transport t = Transport.of(kind);
    if (!capabilities().zeroCopy(kind)) {
      return Optional.of("SO_ZEROCOPY cannot be enabled on " + kind + ": "
          + capabilities().soZeroCopy().get(kind) + " (kernel " + capabilities().kernel() + ")");
    }
    try (NativeSocket s = t.open()) {
      s.bind(new InetSocketAddress(t.loopback(), 0));
    } catch (IOException e) {
      return Optional.of("no " + kind + " on loopback " + t.loopback().getHostAddress() + ": " + e.getMessage());
    }
    return Optional.empty();
  }

  /** Aborts the running test (reported skipped, with the reason) unless {@code kind} works. */
  static void assume(Transport t) {
    Optional<String> why = whyNot(t.kind());
    Assumptions.assumeTrue(why.isEmpty(), () -> why.orElseThrow());
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    Optional<Requires> req = AnnotationSupport.findAnnotation(context.getElement(), Requires.class);
    if (req.isEmpty()) {
      return ConditionEvaluationResult.enabled("no @Requires");
    }
    for (String kind : req.get().value()) {
      Optional<String> why = whyNot(kind);
      if (why.isPresent()) {
        return ConditionEvaluationResult.disabled(why.get());
      }
    }
    return ConditionEvaluationResult.enabled("loopback supports " + String.join(", ", req.get().value()));
  }
}
