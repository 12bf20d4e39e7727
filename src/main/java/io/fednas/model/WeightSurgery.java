package io.fednas.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * NetAdapt's pruning step on trained weights: narrow one layer to its {@code width} filters (or
 * units) of largest L2 norm, drop the matching input channels of the next parameterised layer,
 * and copy every other weight unchanged. Nothing is re-initialised, so the narrowed network
 * computes exactly what the original computes with the dropped channels zeroed.
 */
public final class WeightSurgery {
  private WeightSurgery() {}

  /** The kept filters or units of {@code layer}: the {@code width} largest by L2 norm, in their original order. */
  public static int[] keptChannels(Architecture arch, float[] weights, int layer, int width) {
    MultiLayerNetwork net = load(arch, weights);
    INDArray w = net.getParam(layer + "_W");
    int n = arch.width(layer);
    // conv W is [out, in, kH, kW]: one row per filter; dense W is [in, out]: one column per unit
    double[] norms = arch.layers().get(layer) instanceof LayerSpec.Conv
        ? w.dup('c').reshape('c', new long[] {n, w.length() / n}).norm2(1).toDoubleVector()
        : w.norm2(0).toDoubleVector();
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
    int[] kept = keptChannels(arch, weights, layer, width);
    Architecture narrowed = arch.withWidth(layer, width);
    MultiLayerNetwork src = load(arch, weights);
    MultiLayerNetwork dst = NetworkBuilder.build(narrowed, 0, 0.0, 0.0);
    int next = nextParamLayer(arch, layer);
    int outputLayer = arch.layers().size();
    for (int i = 0; i <= outputLayer; i++) {
      if (i < outputLayer && !arch.layers().get(i).prunable()) {
        continue; // pooling: no parameters
      }
      INDArray w = src.getParam(i + "_W");
      INDArray b = src.getParam(i + "_b");
      boolean conv = i < outputLayer && arch.layers().get(i) instanceof LayerSpec.Conv;
      if (i == layer) {
        w = conv ? w.get(point4(kept, 0)) : w.get(NDArrayIndex.all(), NDArrayIndex.indices(longs(kept)));
        b = b.get(NDArrayIndex.indices(longs(kept)));
      } else if (i == next) {
        if (conv) {
          w = w.get(point4(kept, 1));
        } else {
          w = w.get(NDArrayIndex.indices(longs(inputRows(arch, layer, kept))), NDArrayIndex.all());
        }
      }
      dst.getParam(i + "_W").assign(w.reshape(dst.getParam(i + "_W").shape()));
      dst.getParam(i + "_b").assign(b.reshape(dst.getParam(i + "_b").shape()));
    }
    return dst.params().toFloatVector();
  }

  /** The layer after {@code layer} that has weights (a conv, a dense, or the output layer). */
  static int nextParamLayer(Architecture arch, int layer) {
    for (int i = layer + 1; i < arch.layers().size(); i++) {
      if (arch.layers().get(i).prunable()) {
        return i;
      }
    }
    return arch.layers().size();
  }

  /**
   * Rows of the next dense layer's weights fed by the kept channels. After a convolution (and any
   * pooling) the features are flattened per sample in NCHW order: channel c owns rows c*H*W ... .
   */
  private static int[] inputRows(Architecture arch, int layer, int[] kept) {
    if (arch.layers().get(layer) instanceof LayerSpec.Dense) {
      return kept;
    }
    int next = nextParamLayer(arch, layer);
    LayerCost before = ResourceCounter.perLayer(arch).get(next - 1);
    int plane = before.outHeight() * before.outWidth();
    List<Integer> rows = new ArrayList<>();
    for (int c : kept) {
      for (int p = 0; p < plane; p++) {
        rows.add(c * plane + p);
      }
    }
    return rows.stream().mapToInt(Integer::intValue).toArray();
  }

  private static INDArrayIndex[] point4(int[] kept, int axis) {
    INDArrayIndex[] idx = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()};
    idx[axis] = NDArrayIndex.indices(longs(kept));
    return idx;
  }

  private static long[] longs(int[] a) {
    return Arrays.stream(a).asLongStream().toArray();
  }

  static MultiLayerNetwork load(Architecture arch, float[] weights) {
    MultiLayerNetwork net = NetworkBuilder.build(arch, 0, 0.0, 0.0);
    NdBuffers.copyInto(weights, net.params());
    return net;
  }
}
