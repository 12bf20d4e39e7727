package io.fednas.dl4j;

import java.nio.IntBuffer;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's subsampling layer whose max pooling runs libnd4j's own {@code maxpool2d} loop, not the
 * oneDNN helper that the {@code -onednn} native build puts in front of it.
 *
 * <p>Why: one thread, batch 64, oneDNN's max pooling took 18.5 ms on the McMahan CNN's first
 * pooling input (32 x 28 x 28) where libnd4j's loop takes 2.4-4.4 ms, and 8.9 against 1.1 ms on
 * LeNet's (docs/benchmarks/2026-11-28-sessions-1-9.md); DL4J M2.1 asks no helper for the forward
 * pass. libnd4j switches its helpers off per op context, so the convolutions keep oneDNN. The code
 * is DL4J's own forward pass (same arguments, same output shape and workspace) with that one
 * difference, so results are the plain build's bit for bit. Other pooling types go to DL4J unchanged.
 *
 * <p>2 x 2 windows that tile the input (LeNet's and the McMahan CNN's pooling) are pooled by {@link
 * MaxPool2x2} instead, the same values as libnd4j's loop, keeping each window's argmax so that the
 * backprop after a training forward pass only scatters the gradient; any other backprop goes to
 * DL4J's path and {@link MaxPoolBackprop}.
 */
final class MaxPoolLayer extends SubsamplingLayer {
  private final MaxPool2x2 tiles = new MaxPool2x2();

  /** Each window's argmax from the last training forward pass, and the input it was of (null: none to use). */
  private byte[] argmax = new byte[0];
  private INDArray argmaxOf;

  MaxPoolLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = layerConf();
    argmaxOf = null;
    if (c.getPoolingType() != PoolingType.MAX || input == null || input.rank() != 4) {
      return super.activate(training, workspaceMgr); // DL4J's checks and messages
    }
    INDArray in = input.castTo(dataType);
    int[] k = c.getKernelSize();
    int[] s = c.getStride();
    int[] p = c.getPadding();
    int[] d = c.getDilation();
    IntBuffer x = NdBuffers.bitsView(in);
    int count = (int) (in.size(0) * in.size(1));
    int h = (int) in.size(2);
    int w = (int) in.size(3);
    if (x != null && c.getCnn2dDataFormat() == CNN2DFormat.NCHW && MaxPool2x2.tiles(h, w, k, s, p, d)) {
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, in.dataType(),
          new long[] {in.size(0), in.size(1), h / 2, w / 2}, 'c');
      if (argmax.length < count * (h / 2) * (w / 2)) {
        argmax = new byte[count * (h / 2) * (w / 2)];
      }
      tiles.forward(x, NdBuffers.bitsView(out), argmax, count, h, w);
      argmaxOf = training ? input : null;
      return out;
    }
    int[] args = {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], convolutionMode == ConvolutionMode.Same ? 1 : 0, 0,
        c.getCnn2dDataFormat() == CNN2DFormat.NCHW ? 0 : 1};
    DynamicCustomOp op = DynamicCustomOp.builder("maxpool2d").addInputs(in).addIntegerArguments(args).build();
    INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, in.dataType(),
        op.calculateOutputShape().get(0).getShape(), 'c');
    try (OpContext ctx = Nd4j.getExecutioner().buildContext()) {
      ctx.allowHelpers(false);
      ctx.setIArguments(Arrays.stream(args).asLongStream().toArray());
      ctx.setInputArrays(in);
      ctx.setOutputArrays(out);
      Nd4j.exec(op, ctx);
    } catch (Exception e) {
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    boolean kept = argmaxOf != null && argmaxOf == input;
    argmaxOf = null;
    IntBuffer g = kept ? NdBuffers.bitsView(epsilon) : null;
    if (g == null || epsilon.rank() != 4 || epsilon.size(0) != input.size(0) || epsilon.size(1) != input.size(1)
        || 2 * epsilon.size(2) != input.size(2) || 2 * epsilon.size(3) != input.size(3)) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
    tiles.backprop(g, argmax, NdBuffers.bitsView(dx), (int) (input.size(0) * input.size(1)), (int) input.size(2),
        (int) input.size(3));
    return new Pair<>(new DefaultGradient(), dx);
  }
}
