package dev.zerowire.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The commands' {@code --json}: one compact object on one line, written by Jackson. Build the
 * value as a {@link java.util.LinkedHashMap} so the keys keep the order the README documents;
 * numbers that JSON cannot hold (NaN, infinities) are refused, not written as bare words.
 */
public final class JsonOutput {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonOutput() {
  }

  /** {@code value} (a Map, List, String, number, boolean or null) as one line of JSON, no newline. */
  public static String line(Object value) {
    requireFinite(value);
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("no JSON form for " + value + ": " + e.getOriginalMessage(), e);
    }
  }

  private static void requireFinite(Object v) {
    if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
      throw new IllegalArgumentException("JSON has no " + v);
    }
    if (v instanceof java.util.Map<?, ?> m) {
      m.values().forEach(JsonOutput::requireFinite);
    } else if (v instanceof Iterable<?> l) {
      l.forEach(JsonOutput::requireFinite);
    }
  }
}
