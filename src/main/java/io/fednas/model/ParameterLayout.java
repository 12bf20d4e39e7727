package io.fednas.model;

import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.ConvBn;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.DepthwiseBn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where each parameter array of a model lies in its flat parameter vector (the order in which the
 * engine ships, averages and checkpoints weights), and which of its axes index channels. Layers
 * follow each other in layer order, the output layer last; within a layer:
 * <ul>
 *   <li>convolution: bias {@code b} [filters], then weights {@code W} [filters][inputs][k][k];
 *   <li>dense and output: weights {@code W} [units][inputs], then bias {@code b} [units];
 *   <li>convolution with batch norm: {@code W} [filters][inputs][k][k], then batch norm's
 *       {@code gamma}, {@code beta}, {@code mean}, {@code var}, each [filters];
 *   <li>depthwise with batch norm: {@code W} [k][k][channels][1], then the four batch-norm arrays.
 * </ul>
 * Every array is row-major in the flat vector. The network library's own layout is held to this one
 * by a test of its package.
 */
public record ParameterLayout(List<Tensor> tensors) {
  private static final List<String> BATCH_NORM = List.of("gamma", "beta", "mean", "var");

  public ParameterLayout {
    tensors = List.copyOf(tensors);
  }

  /**
   * One parameter array: layer {@code layer} (the output layer's index is the number of hidden
   * layers), its {@code name}, where it starts, its shape, the axis indexed by the layer's output
   * channel and the axis indexed by its input (-1: none). A depthwise layer's channel axis is its
   * output axis: its channels are its input's.
   */
  public record Tensor(int layer, String name, int offset, int[] shape, int outAxis, int inAxis) {
    public int size() {
      return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }
  }

  public static ParameterLayout of(Architecture a) {
    List<LayerCost> costs = ResourceCounter.perLayer(a);
    List<Tensor> tensors = new ArrayList<>();
    int channels = a.channels();
    int plane = a.height() * a.width();
    for (int i = 0; i <= a.layers().size(); i++) {
      LayerCost cost = costs.get(i);
      LayerSpec l = i < a.layers().size() ? a.layers().get(i) : null;
      int out = cost.outChannels();
      if (l instanceof Conv c) {
        add(tensors, i, "b", new int[] {out}, 0, -1);
        add(tensors, i, "W", new int[] {out, channels, c.kernel(), c.kernel()}, 0, 1);
      } else if (l instanceof ConvBn c) {
        add(tensors, i, "W", new int[] {out, channels, c.kernel(), c.kernel()}, 0, 1);
        batchNorm(tensors, i, out);
      } else if (l instanceof DepthwiseBn d) {
        add(tensors, i, "W", new int[] {d.kernel(), d.kernel(), channels, 1}, 2, -1);
        batchNorm(tensors, i, out);
      } else if (l == null || l instanceof Dense) { // flattens its input: C x H x W features
        add(tensors, i, "W", new int[] {out, channels * plane}, 0, 1);
        add(tensors, i, "b", new int[] {out}, 0, -1);
      }
      channels = out;
      plane = cost.outHeight() * cost.outWidth();
    }
    return new ParameterLayout(tensors);
  }

  private static void batchNorm(List<Tensor> tensors, int layer, int channels) {
    for (String name : BATCH_NORM) {
      add(tensors, layer, name, new int[] {channels}, 0, -1);
    }
  }

  private static void add(List<Tensor> tensors, int layer, String name, int[] shape, int outAxis, int inAxis) {
    int offset = tensors.isEmpty() ? 0 : tensors.get(tensors.size() - 1).offset() + tensors.get(tensors.size() - 1).size();
    tensors.add(new Tensor(layer, name, offset, shape, outAxis, inAxis));
  }

  /** The weights {@code W} of layer {@code layer}. */
  public Tensor weights(int layer) {
    for (Tensor t : tensors) {
      if (t.layer() == layer && t.name().equals("W")) {
        return t;
      }
    }
    throw new IllegalArgumentException("layer " + layer + " has no weights");
  }

  /** The first layer after {@code layer} that mixes channels (its weights have an input axis): it takes {@code layer}'s outputs. */
  public int nextMixing(int layer) {
    for (Tensor t : tensors) {
      if (t.layer() > layer && t.inAxis() >= 0) {
        return t.layer();
      }
    }
    throw new IllegalArgumentException("layer " + layer + " has no layer with weights after it");
  }

  /** The number of parameters: the flat vector's length. */
  public int size() {
    Tensor last = tensors.get(tensors.size() - 1);
    return last.offset() + last.size();
  }
}
