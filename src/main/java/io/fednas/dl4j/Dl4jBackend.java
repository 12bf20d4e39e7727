package io.fednas.dl4j;

import io.fednas.model.Architecture;
import io.fednas.model.NetworkBackend;
import io.fednas.model.TrainableNetwork;
import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;

/** Deeplearning4j as the engine's {@link NetworkBackend}; model files are DL4J's {@code ModelSerializer} zips. */
public final class Dl4jBackend implements NetworkBackend {
  private static final long serialVersionUID = 1L;

  @Override
  public float[] initialWeights(Architecture arch, long seed) {
    return NetworkBuilder.build(arch, seed, 0.0, 0.0).params().toFloatVector();
  }

  @Override
  public TrainableNetwork network(Architecture arch, double learningRate, double momentum) {
    return NetworkCache.get(arch, learningRate, momentum);
  }

  @Override
  public void save(Architecture arch, float[] weights, Path file) throws IOException {
    MultiLayerNetwork net = NetworkBuilder.build(arch, 0, 0.0, 0.0);
    net.setParams(Nd4j.create(weights, new long[] {1, weights.length}, 'c'));
    ModelSerializer.writeModel(net, file.toFile(), false);
  }

  @Override
  public float[] load(Path file) throws IOException {
    return ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false).params().toFloatVector();
  }

  /** The same for the whole JVM: every training task reports it, so it is worked out once. */
  @Override
  public String describe() {
    return Described.LINE;
  }

  private static final class Described {
    static final String LINE = describeThisJvm();
  }

  private static String describeThisJvm() {
    String backend = String.valueOf(org.nd4j.linalg.factory.Nd4j.getExecutioner().getEnvironmentInformation()
        .getProperty("backend"));
    return "ND4J " + backend + (!"CPU".equalsIgnoreCase(backend) ? ""
        : (OneDnnConvolution.available() ? ", convolutions on oneDNN (the first layer on im2col)"
            : ", convolutions on im2col (no oneDNN in this build)")
        + (OneDnnConvolution.available() && OneDnnDepthwise.available() ? ", depthwise convolutions on oneDNN"
            : ", depthwise convolutions in Java") + ", matrix products on " + OneDnnGemm.describe()
            + "; " + CpuIsa.describe());
  }
}
