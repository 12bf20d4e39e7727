package io.fednas.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * NetAdapt's pruning step on trained weights: narrow one layer to its {@code width} filters (or
 * units) of largest L2 norm, drop the matching inputs of the next parameterised layer, and copy
 * every other weight unchanged. Nothing is re-initialised, so the narrowed network computes exactly
 * what the original computes with the dropped channels zeroed. Plain array slicing on the
 * {@link ParameterLayout}: no network is built.
 */
public final class WeightSurgery {
  private WeightSurgery() {}

  /** The kept filters or units of {@code layer}: the {@code width} largest by L2 norm, in their original order. */
  public static int[] keptChannels(Architecture arch, float[] weights, int layer, int width) {
    ParameterLayout.Block b = ParameterLayout.of(arch).block(layer);
    int n = b.outputs();
    double[] norms = new double[n];
    for (int f = 0; f < n; f++) { // one output's weights are contiguous
      double sum = 0;
      for (int i = b.weightOffset() + f * b.fanIn(), end = i + b.fanIn(); i < end; i++) {
        sum += (double) weights[i] * weights[i];
      }
      norms[f] = Math.sqrt(sum);
    }
    // largest norm first; ties go to the lower index, so the choice is deterministic
    Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer f) -> -norms[f]).thenComparingInt(f -> f));
    int[] kept = new int[width];
    for (int i = 0; i < width; i++) {
      kept[i] = order[i];
    }
    Arrays.sort(kept);
    return kept;
  }

  /** Weights of {@code arch.withWidth(layer, width)} taken from {@code weights} of {@code arch}. */
  public static float[] narrow(Architecture arch, float[] weights, int layer, int width) {
    if (width < 1 || width > arch.width(layer)) {
      throw new IllegalArgumentException("width " + width + " for layer " + layer + " of width " + arch.width(layer));
    }
    ParameterLayout from = ParameterLayout.of(arch);
    if (weights.length != from.size()) {
      throw new IllegalArgumentException(weights.length + " weights for " + arch.describe() + ", which has " + from.size());
    }
    ParameterLayout to = ParameterLayout.of(arch.withWidth(layer, width));
    int[] kept = keptChannels(arch, weights, layer, width);
    ParameterLayout.Block next = from.next(layer);
    float[] out = new float[to.size()];
    for (int i = 0; i < from.blocks().size(); i++) {
      ParameterLayout.Block src = from.blocks().get(i);
      ParameterLayout.Block dst = to.blocks().get(i);
      int[] outputs = src.layer() == layer ? kept : all(src.outputs());
      int[] inputs = src.layer() == next.layer() ? inputsFedBy(kept, next, arch.width(layer)) : null;
      for (int o = 0; o < outputs.length; o++) {
        int srcRow = src.weightOffset() + outputs[o] * src.fanIn();
        int dstRow = dst.weightOffset() + o * dst.fanIn();
        if (inputs == null) {
          System.arraycopy(weights, srcRow, out, dstRow, src.fanIn());
        } else {
          int area = src.kernelArea();
          for (int c = 0; c < inputs.length; c++) {
            System.arraycopy(weights, srcRow + inputs[c] * area, out, dstRow + c * area, area);
          }
        }
        out[dst.biasOffset() + o] = weights[src.biasOffset() + outputs[o]];
      }
    }
    return out;
  }

  /**
   * The inputs of the next layer fed by the kept channels. A convolution takes one input per
   * channel; a dense layer after a convolution (and any pooling) takes the features flattened per
   * sample in channel-major order, so channel c feeds inputs c*plane ... (c+1)*plane-1.
   */
  private static int[] inputsFedBy(int[] kept, ParameterLayout.Block next, int channels) {
    int plane = next.inputs() / channels;
    int[] inputs = new int[kept.length * plane];
    for (int k = 0; k < kept.length; k++) {
      for (int p = 0; p < plane; p++) {
        inputs[k * plane + p] = kept[k] * plane + p;
      }
    }
    return inputs;
  }

  private static int[] all(int n) {
    return IntStream.range(0, n).toArray();
  }
}
