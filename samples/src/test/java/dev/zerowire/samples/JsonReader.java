package dev.zerowire.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;

/**
 * The tests' JSON reader: Jackson, strict, so that a test fails on output a script would choke on.
 * Objects come back as insertion-ordered maps (the key order is part of the documented output),
 * integers as Long, other numbers as Double; a duplicate key, trailing text or a raw control
 * character in a string is an error.
 */
public final class JsonReader {
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.USE_LONG_FOR_INTS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private JsonReader() {
  }

  /** One JSON value: Map, List, String, Long, Double, Boolean or null. */
  public static Object parse(String text) {
    try {
      return STRICT.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** One JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(String text) {
    Object o = parse(text);
    if (!(o instanceof Map)) {
      throw new IllegalArgumentException("not a JSON object: " + text);
    }
    return (Map<String, Object>) o;
  }
}
