package io.fednas.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the project's convolution helpers ({@link Im2colConvolution}, {@link OneDnnConvolution})
 * share: NCHW without dilation (anything else goes to DL4J's own path), DL4J's own activation, no
 * cuDNN-style workspace to report, and the last forward output remembered for DL4J's second
 * forward call in backprop ({@link RememberedOutput}).
 */
abstract class CpuConvolution implements ConvolutionHelper {
  protected final RememberedOutput remembered = new RememberedOutput();

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
