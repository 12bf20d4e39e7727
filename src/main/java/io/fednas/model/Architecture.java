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

  /** Indices of the layers whose width (filters or units) search may narrow. */
  public List<Integer> prunableLayers() {
    java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).prunable()) {
        out.add(i);
      }
    }
    return out;
  }

  /** The width (filters or units) of a prunable layer. */
  public int width(int layer) {
    LayerSpec l = layers.get(layer);
    if (l instanceof LayerSpec.Conv c) {
      return c.filters();
    }
    if (l instanceof LayerSpec.Dense d) {
      return d.units();
    }
    if (l instanceof LayerSpec.ConvBn c) {
      return c.filters();
    }
    throw new IllegalArgumentException("layer " + layer + " of " + name + " has no width");
  }

  /** The same architecture with one prunable layer set to {@code newWidth}. */
  public Architecture withWidth(int layer, int newWidth) {
    java.util.ArrayList<LayerSpec> copy = new java.util.ArrayList<>(layers);
    LayerSpec l = layers.get(layer);
    if (l instanceof LayerSpec.Conv c) {
      copy.set(layer, new LayerSpec.Conv(newWidth, c.kernel(), c.stride(), c.same()));
    } else if (l instanceof LayerSpec.Dense) {
      copy.set(layer, new LayerSpec.Dense(newWidth));
    } else if (l instanceof LayerSpec.ConvBn c) {
      copy.set(layer, new LayerSpec.ConvBn(newWidth, c.kernel(), c.stride()));
    } else {
      throw new IllegalArgumentException("layer " + layer + " of " + name + " is not prunable");
    }
    return new Architecture(name, channels, height, width(), numClasses, copy);
  }

  /**
   * Short form for logs and reports, e.g. "c20-p-c50-p-d500"; a MobileNet's convolutions with batch
   * norm are "b" and their width, its depthwise layers "dw" ("dw2" with stride 2), global pooling "g".
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (LayerSpec l : layers) {
      if (sb.length() > 0) {
        sb.append('-');
      }
      if (l instanceof LayerSpec.Conv c) {
        sb.append('c').append(c.filters());
      } else if (l instanceof LayerSpec.Dense d) {
        sb.append('d').append(d.units());
      } else if (l instanceof LayerSpec.ConvBn c) {
        sb.append('b').append(c.filters());
      } else if (l instanceof LayerSpec.DepthwiseBn d) {
        sb.append(d.stride() > 1 ? "dw2" : "dw");
      } else if (l instanceof LayerSpec.GlobalAvgPool) {
        sb.append('g');
      } else {
        sb.append('p');
      }
    }
    return sb.toString();
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
