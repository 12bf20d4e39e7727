package io.fednas.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Convolution through libnd4j's {@code conv2d} and {@code conv2d_bp} ops, which nd4j-native's
 * {@code -onednn} builds run on oneDNN's direct convolution kernels, plugged into DL4J's
 * ConvolutionLayer through its helper interface. DL4J M2.1's built-in path never calls these ops
 * (it runs im2col and GEMMs), so the oneDNN build alone changes nothing.
 *
 * <p>Why: on the McMahan CNN's second layer at batch 64, one thread, the forward op takes 19-20 ms
 * and the backward (all three gradients) 34-48 ms, where {@link Im2colConvolution}'s GEMMs alone
 * take about 26 and 52 ms (docs/benchmarks/2026-11-28-sessions-1-9.md). Used on layers after the first: the first layer
 * needs no gradient with respect to its input, which {@code conv2d_bp} always computes (31 ms for
 * a one-channel 28 x 28 input at batch 64), so {@link Im2colConvolution} keeps it.
 *
 * <p>Activations laid out channel-last ({@link NdBuffers#channelLastView}: a MobileNet's pointwise
 * layers between depthwise layers) go to oneDNN as NHWC, without a transpose; the output stays
 * channel-last where {@link CpuKernels} allows. The same bits as NCHW: oneDNN reorders both into
 * the same blocked layout and runs the same kernel there.
 *
 * <p>Results equal DL4J's up to float rounding (the test suite compares them) and depend on shapes
 * and the native thread count only (one per task by default), not on executors.
 */
final class OneDnnConvolution extends CpuConvolution {
  /**
   * Whether the loaded libnd4j was built with oneDNN (the {@code -onednn} classifiers; pom.xml
   * picks one) and may use it: ND4J lets libnd4j's platform helpers be switched off at run time.
   * Without oneDNN, {@code conv2d} is libnd4j's generic loop, slower than the im2col helper.
   */
  static boolean available() {
    return Nd4j.getEnvironment().helpersAllowed() && NativeBuild.HAS_ONEDNN;
  }

  /** Read once, after ND4J has loaded its backend (NativeOpsHolder cannot load the library by itself). */
  private static final class NativeBuild {
    static final boolean HAS_ONEDNN =
        NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
  }

  /** Whether the output may be channel-last: the layers that read it are the project's ({@link CpuKernels}). */
  private boolean channelLastOutput;

  void channelLastOutput(boolean allowed) {
    channelLastOutput = allowed;
  }

  /**
   * libnd4j's integer arguments: kernel, strides, padding, dilation, Same mode, activations NCHW (0) or
   * NHWC (1), weights [out, in, kH, kW].
   */
  private static int[] args(int[] kernel, int[] strides, int[] pad, ConvolutionMode mode, boolean channelLast) {
    return new int[] {kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], 1, 1,
        mode == ConvolutionMode.Same ? 1 : 0, channelLast ? 1 : 0, 1};
  }

  /**
   * Whether this call runs channel-last: its input is, and its output may be. oneDNN computes in its
   * own blocked layout either way (the same bits), and reorders channel-last memory faster.
   */
  private boolean channelLast(INDArray input) {
    return channelLastOutput && NdBuffers.isChannelLast(input);
  }

  @Override
  public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
      AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format)) {
      return null;
    }
    boolean last = channelLast(input);
    // what libnd4j reads: row-major memory, [N, H, W, C] when channel-last
    INDArray x = NdBuffers.memory(NdBuffers.inLayout(input, last, workspaceMgr, ArrayType.ACTIVATIONS));
    Im2colConvolution.Shape s = Im2colConvolution.Shape.of(input, weights, kernel, strides, pad, convolutionMode);
    INDArray[] inputs = bias == null ? new INDArray[] {x, weights}
        : new INDArray[] {x, weights, bias.reshape(s.outC())};
    INDArray z = last ? NdBuffers.createMemory(workspaceMgr, ArrayType.ACTIVATIONS,
        new long[] {s.mb(), s.outC(), s.outH(), s.outW()}, true) : output(s, weights, workspaceMgr);
    Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(inputs).addOutputs(z)
        .addIntegerArguments(args(kernel, strides, pad, convolutionMode, last)).build());
    return last ? NdBuffers.channelLastView(z) : z;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
      int[] kernel, int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView, IActivation afn,
      AlgoMode mode, BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo, ConvolutionMode convolutionMode,
      int[] dilation, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format)) {
      throw new UnsupportedOperationException("oneDNN convolution supports NCHW without dilation only");
    }
    boolean last = channelLast(input);
    INDArray x = NdBuffers.memory(NdBuffers.inLayout(input, last, workspaceMgr, ArrayType.ACTIVATION_GRAD));
    INDArray dz = NdBuffers.memory(NdBuffers.inLayout(delta, last, workspaceMgr, ArrayType.ACTIVATION_GRAD));
    // dL/dx in the input's layout when this call runs channel-last
    INDArray epsNext = NdBuffers.createMemory(workspaceMgr, ArrayType.ACTIVATION_GRAD, input.shape(), last);
    boolean withBias = bias != null && biasGradView != null;
    // the gradients go straight into DL4J's gradient views: contiguous, [out, in, kH, kW] and [out]
    INDArray biasGrad = withBias ? biasGradView.reshape(biasGradView.length()) : null;
    INDArray[] inputs = withBias ? new INDArray[] {x, weights, bias.reshape(bias.length()), dz}
        : new INDArray[] {x, weights, dz};
    INDArray[] outputs = withBias ? new INDArray[] {epsNext, weightGradView, biasGrad}
        : new INDArray[] {epsNext, weightGradView};
    Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(inputs).addOutputs(outputs)
        .addIntegerArguments(args(kernel, strides, pad, convolutionMode, last)).build());
    if (withBias && biasGrad.data() != biasGradView.data()) {
      biasGradView.assign(biasGrad.reshape(biasGradView.shape())); // reshape had to copy
    }
    Gradient gradient = new DefaultGradient();
    if (withBias) {
      gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    }
    gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    return new Pair<>(gradient, last ? NdBuffers.channelLastView(epsNext) : epsNext);
  }
}
