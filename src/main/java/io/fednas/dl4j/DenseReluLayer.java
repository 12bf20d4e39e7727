package io.fednas.dl4j;

import java.nio.IntBuffer;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's dense layer with a ReLU ({@link ReluBackprop}) whose backprop reads which units were
 * active from its training forward pass's output, instead of computing the pre-activation x W + b
 * again as DL4J's layer does: a second product with the layer's whole weight matrix every step, the
 * largest one in LeNet and the McMahan CNN.
 *
 * <p>Why the output answers the same: a ReLU's backprop asks only whether each pre-activation is
 * above zero, and the ReLU's output is above zero exactly where its input is (libnd4j's ReLU keeps
 * every value not below zero, -0 and NaN included, and sets the rest to +0); the rest of backprop is
 * DL4J's, the same operations in the same order. The output is the next layer's input, which DL4J
 * keeps until backprop is done; it is used only by the backprop that follows the training forward
 * pass that made it (the same input array); anything else (no ReLU, dropout, weight noise, layer
 * norm, a mask) goes to DL4J's own code.
 *
 * <p>The layer's matrix products, forward and backward, run on {@link OneDnnGemm} (ND4J's mmul runs
 * them on OpenBLAS, whose kernels this project's hosts pin to AVX2): the same results as DL4J's layer
 * up to float rounding.
 */
final class DenseReluLayer extends DenseLayer {
  /** The last training forward pass's output, and the input it came from; null when there is none to use. */
  private INDArray output;
  private INDArray outputOf;

  DenseReluLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean plain() {
    return layerConf().getActivationFn() instanceof ReluBackprop && layerConf().getIDropout() == null
        && layerConf().getWeightNoise() == null && !hasLayerNorm() && maskArray == null;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray out = super.activate(training, workspaceMgr);
    boolean keep = training && plain();
    output = keep ? out : null;
    outputOf = keep ? input : null;
    return out;
  }

  /** DL4J's x W + b with the product on {@link OneDnnGemm}; DL4J's own code for anything but a plain layer. */
  @Override
  protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
      LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(forBackprop);
    if (!plain() || input.rank() != 2 || input.dataType() != DataType.FLOAT) {
      return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr); // weight noise drawn there alone
    }
    INDArray weights = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, training, workspaceMgr);
    if (weights.dataType() != DataType.FLOAT || input.size(1) != weights.size(0)) {
      return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr); // its checks name a wrong input
    }
    INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, input.size(0), weights.size(1));
    OneDnnGemm.gemm(input, weights, z, false, false, 1.0, 0.0);
    if (hasBias()) {
      z.addiRowVector(getParamWithNoise(DefaultParamInitializer.BIAS_KEY, training, workspaceMgr));
    }
    return new Pair<>(z, z);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    INDArray out = output;
    boolean fromForward = out != null && outputOf == input;
    output = null;
    outputOf = null;
    IntBuffer active = fromForward ? NdBuffers.bitsView(out) : null;
    IntBuffer grad = fromForward ? NdBuffers.bitsView(epsilon) : null;
    if (active == null || grad == null || !plain() || !Arrays.equals(out.shape(), epsilon.shape())
        || out.rank() != 2) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    INDArray delta = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, out.dataType(), out.shape(), 'c');
    ReluBackprop.gradient(active, grad, NdBuffers.bitsView(delta), (int) out.length());
    // from here on DL4J's BaseLayer.backpropGradient, without its layer norm, mask and dropout (plain() has none)
    Gradient ret = new DefaultGradient();
    if (hasBias()) {
      INDArray biasGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
      delta.sum(biasGrad, 0);
      ret.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
    }
    INDArray weights = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, true, workspaceMgr);
    // dL/dx = delta W^T written row-major: the values and layout of DL4J's transposed f-order product
    INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
        new long[] {delta.size(0), weights.size(0)}, 'c');
    OneDnnGemm.gemm(delta, weights, epsilonNext, false, true, 1.0, 0.0);
    INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    OneDnnGemm.gemm(input.castTo(weightGrad.dataType()), delta, weightGrad, true, false, 1.0, 0.0);
    ret.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
    weightNoiseParams.clear();
    return new Pair<>(ret, epsilonNext);
  }
}
