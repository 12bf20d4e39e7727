package io.fednas.dl4j;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution layer, keeping its output itself, not a copy of its pre-activation output, for
 * its backprop; for the identity ({@link #keepsOutput}: a convolution before a batch norm) and for
 * {@link ReluBackprop}.
 *
 * <p>Why: in training, with a cache mode, DL4J's layer copies its pre-activation output z into the
 * forward cache before applying the activation in place, so that its backprop need not run the
 * convolution again. The backprop reads z only through the activation's derivative: none for the
 * identity, and for ReLU only where z > 0, which is where the output is > 0 (the output is z there,
 * +0, -0 or NaN elsewhere). The output stays in memory through the backprop as the next layer's
 * input, whose own backprop has run by then (the ReLU's backprop writes its gradient over it). The
 * copy was a full pass over the layer's largest array.
 */
final class NoCopyConvolutionLayer extends ConvolutionLayer {
  NoCopyConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Whether a convolution layer with this activation gives the same backprop from its output as from z. */
  static boolean keepsOutput(IActivation activation) {
    return activation instanceof ActivationIdentity || activation instanceof ReluBackprop;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    // where DL4J's layer would keep a copy (its own conditions), keep the output instead
    if (!training || cacheMode == null || cacheMode == CacheMode.NONE
        || !keepsOutput(layerConf().getActivationFn()) || !workspaceMgr.hasConfiguration(ArrayType.FF_CACHE)
        || !workspaceMgr.isWorkspaceOpen(ArrayType.FF_CACHE)) {
      return super.activate(training, workspaceMgr);
    }
    CacheMode mode = cacheMode;
    cacheMode = CacheMode.NONE;
    try {
      INDArray out = super.activate(training, workspaceMgr);
      preOutput = out;
      return out;
    } finally {
      cacheMode = mode;
    }
  }
}
