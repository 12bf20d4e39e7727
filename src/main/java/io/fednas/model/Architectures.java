package io.fednas.model;

import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.ConvBn;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.DepthwiseBn;
import io.fednas.model.LayerSpec.GlobalAvgPool;
import io.fednas.model.LayerSpec.MaxPool;
import java.util.ArrayList;
import java.util.List;

/** The built-in architectures, named as in {@code model.arch}. */
public final class Architectures {
  private Architectures() {}

  public static final List<String> NAMES = List.of("lenet", "mcmahan-cnn", "vgg-small", "mobilenet-28");

  public static Architecture byName(String name, int channels, int height, int width, int numClasses) {
    return byName(name, 1.0, channels, height, width, numClasses);
  }

  /**
   * {@code widthMultiplier} scales every layer's width (filters or units; at least 1), as MobileNet's
   * alpha does: the FLOPs of a convolution scale about with its square.
   */
  public static Architecture byName(String name, double widthMultiplier, int channels, int height, int width,
      int numClasses) {
    List<LayerSpec> layers = switch (name) {
      // LeNet-5 style (Caffe's LeNet): 431,080 parameters on 28x28x1 and 10 classes
      case "lenet" -> List.of(new Conv(20, 5, 1, false), new MaxPool(2, 2),
          new Conv(50, 5, 1, false), new MaxPool(2, 2), new Dense(500));
      // McMahan et al. 2017's MNIST CNN: 1,663,370 parameters on 28x28x1 and 10 classes
      case "mcmahan-cnn" -> List.of(new Conv(32, 5, 1, true), new MaxPool(2, 2),
          new Conv(64, 5, 1, true), new MaxPool(2, 2), new Dense(512));
      // a small VGG: pairs of 3x3 convolutions between poolings
      case "vgg-small" -> List.of(new Conv(32, 3, 1, true), new Conv(32, 3, 1, true), new MaxPool(2, 2),
          new Conv(64, 3, 1, true), new Conv(64, 3, 1, true), new MaxPool(2, 2), new Dense(256));
      // MobileNetV1-style for 28x28 inputs: a 3x3 stem, nine depthwise-separable blocks (three with
      // stride 2: 28 -> 14 -> 7 -> 4), global average pooling; 10 prunable layers
      case "mobilenet-28" -> mobileNet(new int[][] {{1, 32}, {2, 64}, {1, 64}, {2, 128}, {1, 128}, {1, 128},
          {2, 256}, {1, 256}, {1, 256}}, 16);
      default -> throw new IllegalArgumentException("unknown architecture '" + name + "' (known: "
          + String.join(", ", NAMES) + ")");
    };
    return new Architecture(name, channels, height, width, numClasses, scaled(layers, widthMultiplier));
  }

  /** A stem convolution, then per block {stride, filters}: a depthwise 3x3 and a pointwise 1x1 convolution. */
  private static List<LayerSpec> mobileNet(int[][] blocks, int stem) {
    List<LayerSpec> layers = new ArrayList<>(List.of(new ConvBn(stem, 3, 1)));
    for (int[] b : blocks) {
      layers.add(new DepthwiseBn(3, b[0]));
      layers.add(new ConvBn(b[1], 1, 1));
    }
    layers.add(new GlobalAvgPool());
    return layers;
  }

  private static List<LayerSpec> scaled(List<LayerSpec> layers, double m) {
    if (m == 1.0) {
      return layers;
    }
    List<LayerSpec> out = new ArrayList<>();
    for (LayerSpec l : layers) {
      if (l instanceof Conv c) {
        out.add(new Conv(width(c.filters(), m), c.kernel(), c.stride(), c.same()));
      } else if (l instanceof ConvBn c) {
        out.add(new ConvBn(width(c.filters(), m), c.kernel(), c.stride()));
      } else if (l instanceof Dense d) {
        out.add(new Dense(width(d.units(), m)));
      } else {
        out.add(l);
      }
    }
    return out;
  }

  private static int width(int w, double m) {
    return Math.max(1, (int) Math.round(w * m));
  }
}
