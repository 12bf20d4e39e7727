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
 * <p>A 1 x 1 convolution at stride 1 without padding (a MobileNet's pointwise layers) is a matrix
 * product over channel-last memory, [N*H*W, in] x [in, out], and runs as one: libnd4j's {@code
 * matmul} op (oneDNN's GEMM in these builds), two more for backprop, whatever layout the activations
 * come in. Why: {@code conv2d} and {@code conv2d_bp} reorder activations, weights and gradients into
 * oneDNN's blocked layout and back on every call, which at these layers' sizes costs more than the
 * arithmetic (docs/BENCHMARKS.md).
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

  /**
   * Whether the layer has a bias. Without one, DL4J still hands its helpers a bias of zeros and a
   * gradient view for it, which no parameter reads: a 1 x 1 convolution then adds nothing and
   * computes no bias gradient. Adding +0 would only turn a -0 into +0, and the matrix product's sums
   * start from +0, so they give no -0: the same bits, two native ops fewer a layer and step.
   */
  private final boolean hasBias;

  OneDnnConvolution(boolean hasBias) {
    this.hasBias = hasBias;
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

  /** Whether the convolution is 1 x 1 at stride 1 without padding: a matrix product over channel-last memory. */
  private static boolean pointwise(int[] kernel, int[] strides, int[] pad) {
    return kernel[0] == 1 && kernel[1] == 1 && strides[0] == 1 && strides[1] == 1 && pad[0] == 0 && pad[1] == 0;
  }

  /** [N, C, H, W] channel-last memory as the matrix [N*H*W, C] (a view). */
  private static INDArray rows(INDArray memory) {
    return memory.reshape(memory.size(0) * memory.size(1) * memory.size(2), memory.size(3));
  }

  /** Weights [out, in, 1, 1] as the matrix [out, in] (a view: DL4J's are row-major). */
  private static INDArray matrix(INDArray weights) {
    return weights.reshape(weights.size(0), weights.size(1));
  }

  /**
   * Channel-last memory of an [N, C, H, W] result as the layer hands it on: its channel-last view, or
   * a row-major copy when {@code channelLast} is false.
   */
  private static INDArray handOn(INDArray memory, boolean channelLast, LayerWorkspaceMgr workspaceMgr, ArrayType type) {
    INDArray view = NdBuffers.channelLastView(memory);
    return channelLast ? view : NdBuffers.inLayout(view, false, workspaceMgr, type);
  }

  private INDArray pointwiseOutput(INDArray input, INDArray weights, INDArray bias, LayerWorkspaceMgr workspaceMgr) {
    INDArray x = NdBuffers.memory(NdBuffers.inLayout(input, true, workspaceMgr, ArrayType.ACTIVATIONS));
    INDArray z = NdBuffers.createMemory(workspaceMgr, ArrayType.ACTIVATIONS,
        new long[] {input.size(0), weights.size(0), input.size(2), input.size(3)}, true);
    INDArray zRows = rows(z);
    OneDnnGemm.gemm(rows(x), matrix(weights), zRows, false, true, 1.0, 0.0);
    if (bias != null) {
      zRows.addiRowVector(bias);
    }
    return handOn(z, channelLastOutput, workspaceMgr, ArrayType.ACTIVATIONS);
  }

  private Pair<Gradient, INDArray> pointwiseBackprop(INDArray input, INDArray weights, INDArray delta,
      INDArray biasGradView, INDArray weightGradView, LayerWorkspaceMgr workspaceMgr) {
    INDArray xRows = rows(NdBuffers.memory(NdBuffers.inLayout(input, true, workspaceMgr, ArrayType.ACTIVATION_GRAD)));
    INDArray dzRows = rows(NdBuffers.memory(NdBuffers.inLayout(delta, true, workspaceMgr, ArrayType.ACTIVATION_GRAD)));
    INDArray dx = NdBuffers.createMemory(workspaceMgr, ArrayType.ACTIVATION_GRAD, input.shape(), true);
    OneDnnGemm.gemm(dzRows, matrix(weights), rows(dx), false, false, 1.0, 0.0);
    // dL/dW = dz^T x, straight into DL4J's gradient view when its [out, in] reshape is one (it is contiguous)
    INDArray weightGrad = matrix(weightGradView);
    OneDnnGemm.gemm(dzRows, xRows, weightGrad, true, false, 1.0, 0.0);
    boolean copied = weightGrad.data().address() != weightGradView.data().address()
        || weightGrad.offset() != weightGradView.offset();
    if (copied) {
      weightGradView.assign(weightGrad.reshape(weightGradView.shape())); // the reshape had to copy
    }
    Gradient gradient = new DefaultGradient();
    if (biasGradView != null) {
      biasGradView.assign(dzRows.sum(0).reshape(biasGradView.shape()));
      gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    }
    gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
    return new Pair<>(gradient, handOn(dx, NdBuffers.isChannelLast(input), workspaceMgr, ArrayType.ACTIVATION_GRAD));
  }

  @Override
  public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
      AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (unsupported(dilation, format)) {
      return null;
    }
    if (pointwise(kernel, strides, pad)) {
      return pointwiseOutput(input, weights, hasBias ? bias : null, workspaceMgr);
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
    if (pointwise(kernel, strides, pad)) {
      return pointwiseBackprop(input, weights, delta, hasBias && bias != null ? biasGradView : null, weightGradView,
          workspaceMgr);
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
