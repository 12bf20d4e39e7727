package io.fednas.dl4j;

import java.nio.IntBuffer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's activation layer for a ReLU ({@link ReluBackprop}; the one after each batch norm of a
 * MobileNet) whose training forward pass applies the ReLU to its input in place, as DL4J's layer
 * already does at inference, instead of to a copy; and whose backprop writes dL/dx straight from its
 * input and dL/dout, without DL4J's copy of the input. Activations laid out channel-last ({@link
 * NdBuffers#channelLastView}) stay so, and dL/dx takes the input's layout.
 *
 * <p>Why DL4J copies, and why the copy is not needed here: backprop needs the layer's input, and a
 * ReLU's backprop reads only whether each input is above zero, which the ReLU's output answers the
 * same way (libnd4j's ReLU keeps every value that is not below zero, -0 and NaN included, and sets
 * the rest to +0, which is not above zero either). The layer before (a batch norm) does not read its
 * output again. Results are the same bits; the copy was a pass over the largest activations of the
 * network, every layer and step. When the batch norm before it has already applied the ReLU
 * ({@link BatchNormLayer#reluAppliedTo}), the forward pass has nothing left to do.
 */
final class ReluLayer extends ActivationLayer {
  /** The batch norm whose output this layer reads, or null. */
  private final BatchNormLayer before;

  /**
   * After {@code before} (or null): when its output is already the ReLU of the batch norm ({@link
   * BatchNormLayer#reluAppliedTo}), the forward pass leaves it as it is.
   */
  ReluLayer(NeuralNetConfiguration conf, DataType dataType, BatchNormLayer before) {
    super(conf, dataType);
    this.before = before;
  }

  private boolean ours() {
    return layerConf().getActivationFn() instanceof ReluBackprop && layerConf().getIDropout() == null
        && input != null && NdBuffers.isDense(input);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!ours()) {
      return super.activate(training, workspaceMgr);
    }
    boolean applied = before != null && before.reluAppliedTo(input);
    input = workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input);
    if (!applied) {
      // element by element, so on the memory whatever its layout
      layerConf().getActivationFn().getActivation(NdBuffers.memory(input), training);
    }
    return input;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (!ours()) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    boolean channelLast = NdBuffers.isChannelLast(input);
    INDArray grad = NdBuffers.inLayout(epsilon, channelLast, workspaceMgr, ArrayType.ACTIVATION_GRAD);
    // into a copy inLayout made, else into a new array: dL/dout is DL4J's, not this layer's, to overwrite
    INDArray delta = grad != epsilon ? grad
        : NdBuffers.create(workspaceMgr, ArrayType.ACTIVATION_GRAD, input.shape(), channelLast);
    IntBuffer z = NdBuffers.bitsView(input);
    IntBuffer g = NdBuffers.bitsView(grad);
    IntBuffer out = NdBuffers.bitsView(delta);
    if (z == null || g == null || out == null) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    ReluBackprop.gradient(z, g, out, (int) input.length());
    return new Pair<>(new DefaultGradient(), delta);
  }
}
