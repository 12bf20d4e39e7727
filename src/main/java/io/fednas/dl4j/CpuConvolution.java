package io.fednas.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the project's convolution helpers ({@link Im2colConvolution}, {@link OneDnnConvolution})
 * share: NCHW without dilation (anything else goes to DL4J's own path), DL4J's own activation, no
 * cuDNN-style workspace to report, and the output array. Backprop does not call them for the
 * forward output again: the network keeps it ({@link NetworkBuilder} sets DL4J's cache mode).
 */
abstract class CpuConvolution implements ConvolutionHelper {
  /** A new workspace array for the forward output of shape {@code s}, of the weights' type. */
  static INDArray output(Im2colConvolution.Shape s, INDArray weights, LayerWorkspaceMgr workspaceMgr) {
    return workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, weights.dataType(),
        new long[] {s.mb(), s.outC(), s.outH(), s.outW()}, 'c');
  }

  static boolean unsupported(int[] dilation, CNN2DFormat format) {
    return format != CNN2DFormat.NCHW || dilation[0] != 1 || dilation[1] != 1;
  }

  @Override
  public boolean checkSupported() {
    return true;
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Map.of();
  }

  @Override
  public INDArray activate(INDArray z, IActivation afn, boolean training) {
    return null; // DL4J's own activation
  }
}
