package io.fednas.model;

import io.fednas.model.LayerSpec.Conv;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each layer's weights and biases lie in a model's flat parameter vector (the order in
 * which the engine ships, averages and checkpoints weights). Layers with parameters follow each
 * other in layer order, the output layer last. A convolution stores its bias first, then its
 * weights as [filters][input channels][kernel rows][kernel columns]; a dense layer (and the
 * output layer) stores its weights first, as [units][inputs], then its bias. So in both cases
 * one output's weights are contiguous: {@code outputs x fanIn} values, row-major.
 * The network library's own layout is held to this one by a test of its package.
 */
public record ParameterLayout(List<Block> blocks) {
  public ParameterLayout {
    blocks = List.copyOf(blocks);
  }

  /**
   * One layer with parameters: {@code layer} is its index in the architecture (the output layer's is
   * the number of hidden layers); its weights are {@code outputs} rows of {@code fanIn} values
   * ({@code inputs x kernelArea}) from {@code weightOffset}, its biases {@code outputs} values from
   * {@code biasOffset}.
   */
  public record Block(int layer, int outputs, int inputs, int kernelArea, int weightOffset, int biasOffset) {
    public int fanIn() {
      return inputs * kernelArea;
    }

    /** The block's end in the flat vector. */
    int end() {
      return Math.max(weightOffset + outputs * fanIn(), biasOffset + outputs);
    }
  }

  public static ParameterLayout of(Architecture a) {
    List<LayerCost> costs = ResourceCounter.perLayer(a);
    List<Block> blocks = new ArrayList<>();
    int offset = 0;
    int channels = a.channels();
    int plane = a.height() * a.width();
    for (int i = 0; i <= a.layers().size(); i++) {
      LayerCost cost = costs.get(i);
      LayerSpec l = i < a.layers().size() ? a.layers().get(i) : null;
      Block b = null;
      if (l instanceof Conv c) {
        b = new Block(i, c.filters(), channels, c.kernel() * c.kernel(), offset + c.filters(), offset);
      } else if (l == null || l instanceof LayerSpec.Dense) { // flattens its input: C x H x W features
        int fanIn = channels * plane;
        b = new Block(i, cost.outChannels(), fanIn, 1, offset, offset + fanIn * cost.outChannels());
      }
      if (b != null) {
        blocks.add(b);
        offset = b.end();
      }
      channels = cost.outChannels();
      plane = cost.outHeight() * cost.outWidth();
    }
    return new ParameterLayout(blocks);
  }

  /** The block of layer {@code layer}. */
  public Block block(int layer) {
    for (Block b : blocks) {
      if (b.layer() == layer) {
        return b;
      }
    }
    throw new IllegalArgumentException("layer " + layer + " has no parameters");
  }

  /** The block after the one of {@code layer}: the layer that takes its outputs as inputs. */
  public Block next(int layer) {
    for (int i = 0; i < blocks.size() - 1; i++) {
      if (blocks.get(i).layer() == layer) {
        return blocks.get(i + 1);
      }
    }
    throw new IllegalArgumentException("layer " + layer + " has no parameterised layer after it");
  }

  /** The number of parameters: the flat vector's length. */
  public int size() {
    return blocks.isEmpty() ? 0 : blocks.get(blocks.size() - 1).end();
  }
}
