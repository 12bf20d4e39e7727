package io.fednas.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's activation layer for a ReLU ({@link ReluBackprop}; the one after each batch norm of a
 * MobileNet) whose training forward pass applies the ReLU to its input in place, as DL4J's layer
 * already does at inference, instead of to a copy.
 *
 * <p>Why DL4J copies, and why the copy is not needed here: backprop needs the layer's input, and a
 * ReLU's backprop reads only whether each input is above zero, which the ReLU's output answers the
 * same way (libnd4j's ReLU keeps every value that is not below zero, -0 and NaN included, and sets
 * the rest to +0, which is not above zero either). The layer before (a batch norm) does not read its
 * output again. Results are the same bits; the copy was a pass over the largest activations of the
 * network, every layer and step.
 */
final class ReluLayer extends ActivationLayer {

  ReluLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!training || !(layerConf().getActivationFn() instanceof ReluBackprop) || layerConf().getIDropout() != null
        || input == null) {
      return super.activate(training, workspaceMgr);
    }
    input = workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input);
    return layerConf().getActivationFn().getActivation(input, true);
  }
}
