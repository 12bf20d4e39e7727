package io.fednas.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.List;

/**
 * An immutable CNN: input shape, hidden layers, and a softmax output over {@code numClasses}.
 * Two equal architectures build identical DL4J networks (given the same seed).
 */
public record Architecture(String name, int channels, int height, int width, int numClasses, List<LayerSpec> layers)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public Architecture {
    layers = List.copyOf(layers);
    if (channels < 1 || height < 1 || width < 1 || numClasses < 2) {
      throw new IllegalArgumentException("bad input shape or class count for " + name);
    }
    // fail at construction, not in DL4J, when a layer does not fit its input
    ResourceCounter.shapes(channels, height, width, layers, name);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Architecture fromJson(String json) {
    try {
      return JSON.readValue(json, Architecture.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not an architecture: " + e.getOriginalMessage(), e);
    }
  }
}
