package io.fednas.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
      float[] wc = cOrder(w);
      float[] bc = cOrder(src.getParam(i + "_b"));
      long[] shape = w.shape();
      boolean conv = shape.length == 4;
      if (i == layer) {
        // conv W [out, in, kH, kW]: keep output filters; dense W [in, out]: keep output columns
        wc = conv ? select(wc, shape, 0, kept) : select(wc, shape, 1, kept);
        bc = select(bc, new long[] {bc.length}, 0, kept);
      } else if (i == next) {
        // conv: keep input channels; dense: keep the input rows the kept channels feed
        wc = conv ? select(wc, shape, 1, kept) : select(wc, shape, 0, inputRows(arch, layer, kept));
      }
      INDArray dw = dst.getParam(i + "_W");
      dw.assign(Nd4j.create(wc, dw.shape(), 'c'));
      INDArray db = dst.getParam(i + "_b");
      db.assign(Nd4j.create(bc, db.shape(), 'c'));
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

  /** The array's values in logical row-major order. */
  private static float[] cOrder(INDArray a) {
    return a.dup('c').reshape('c', new long[] {a.length()}).toFloatVector();
  }

  /** Keeps only the given indices along {@code axis} of a row-major array of {@code shape}. */
  static float[] select(float[] a, long[] shape, int axis, int[] keep) {
    int outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= (int) shape[d];
    }
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= (int) shape[d];
    }
    int n = (int) shape[axis];
    float[] out = new float[outer * keep.length * inner];
    int at = 0;
    for (int o = 0; o < outer; o++) {
      for (int k : keep) {
        System.arraycopy(a, (o * n + k) * inner, out, at, inner);
        at += inner;
      }
    }
    return out;
  }

  static MultiLayerNetwork load(Architecture arch, float[] weights) {
    MultiLayerNetwork net = NetworkBuilder.build(arch, 0, 0.0, 0.0);
    NdBuffers.copyInto(weights, net.params());
    return net;
  }
}
