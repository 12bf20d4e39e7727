package io.fednas.model;

import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.MaxPool;
import java.util.List;

/** The built-in architectures, named as in {@code model.arch}. */
public final class Architectures {
  private Architectures() {}

  public static Architecture byName(String name, int channels, int height, int width, int numClasses) {
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
      default -> throw new IllegalArgumentException("unknown architecture '" + name
          + "' (known: lenet, mcmahan-cnn, vgg-small)");
    };
    return new Architecture(name, channels, height, width, numClasses, layers);
  }
}
