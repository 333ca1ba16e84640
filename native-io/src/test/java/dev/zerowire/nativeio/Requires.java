package dev.zerowire.nativeio;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test only where every listed socket kind ("tcp6", "udp4", ...) works on
 * loopback with SO_ZEROCOPY; otherwise JUnit reports it skipped with the reason (junixsocket's
 * capability condition). Parameterized tests use {@link LoopbackCapability#assume} instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(LoopbackCapability.class)
@interface Requires {
  String[] value();
}
