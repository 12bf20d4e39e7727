package io.fednas.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * NetAdapt's pruning step on trained weights: narrow one layer to its {@code width} filters (or
 * units) of largest L2 norm; the layers whose channels follow it (batch norm, a depthwise
 * convolution and its batch norm) keep the same channels; the next layer that mixes channels drops
 * the matching inputs; every other weight is copied unchanged. Nothing is re-initialised, so the
 * narrowed network computes exactly what the original computes with the dropped channels zeroed
 * (batch norm in inference mode). Plain array slicing on the {@link ParameterLayout}: no network
 * is built.
 */
public final class WeightSurgery {
  private WeightSurgery() {}

  /** The kept filters or units of {@code layer}: the {@code width} largest by L2 norm, in their original order. */
  public static int[] keptChannels(Architecture arch, float[] weights, int layer, int width) {
    ParameterLayout.Tensor w = ParameterLayout.of(arch).weights(layer);
    int n = w.shape()[w.outAxis()];
    int inner = w.size() / n; // weights per output; outAxis is 0 for every prunable layer
    double[] norms = new double[n];
    for (int f = 0; f < n; f++) {
      double sum = 0;
      for (int i = w.offset() + f * inner, end = i + inner; i < end; i++) {
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
    int next = from.nextMixing(layer);
    float[] out = new float[to.size()];
    for (int i = 0; i < from.tensors().size(); i++) {
      ParameterLayout.Tensor src = from.tensors().get(i);
      int at = to.tensors().get(i).offset();
      if (src.layer() >= layer && src.layer() < next && src.outAxis() >= 0) { // the layer and those that follow its channels
        select(weights, src, src.outAxis(), kept, out, at);
      } else if (src.layer() == next && src.inAxis() >= 0) {
        select(weights, src, src.inAxis(), inputsFedBy(kept, src.shape()[src.inAxis()] / arch.width(layer)), out, at);
      } else {
        System.arraycopy(weights, src.offset(), out, at, src.size());
      }
    }
    return out;
  }

  /**
   * The inputs of the next layer fed by the kept channels: one per channel, or for a dense layer
   * after a convolution (features flattened per sample, channel-major) channel c's {@code plane}
   * inputs c*plane ... (c+1)*plane-1.
   */
  private static int[] inputsFedBy(int[] kept, int plane) {
    int[] inputs = new int[kept.length * plane];
    for (int k = 0; k < kept.length; k++) {
      for (int p = 0; p < plane; p++) {
        inputs[k * plane + p] = kept[k] * plane + p;
      }
    }
    return inputs;
  }

  /** Copies tensor {@code t} of {@code a} into {@code out} at {@code at}, keeping only the given indices along {@code axis}. */
  private static void select(float[] a, ParameterLayout.Tensor t, int axis, int[] keep, float[] out, int at) {
    int outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= t.shape()[d];
    }
    int n = t.shape()[axis];
    int inner = t.size() / outer / n;
    for (int o = 0; o < outer; o++) {
      for (int k : keep) {
        System.arraycopy(a, t.offset() + (o * n + k) * inner, out, at, inner);
        at += inner;
      }
    }
  }
}
