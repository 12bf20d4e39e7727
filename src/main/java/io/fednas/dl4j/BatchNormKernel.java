package io.fednas.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalization of NCHW float activations, plugged into DL4J's BatchNormalization layer
 * through its helper interface: {@link BatchNormArithmetic} over the activations' memory, an image
 * at a time. Activations laid out channel-last ({@link NdBuffers#channelLastView}) stay so: the
 * output and dL/dx take the input's layout.
 *
 * <p>Why: DL4J 1.0.0-M2.1's oneDNN helper for batch norm never switches on (it looks for a native
 * class under a name that release no longer has), so the layer falls back to generic ND4J
 * reductions and broadcasts, which cost several milliseconds per layer and minibatch. The layer
 * keeps its own handling of the running statistics: it reads this helper's batch mean and
 * (biased) variance through {@link #getMeanCache} and {@link #getVarCache}. When a ReLU layer reads
 * the output ({@link #reluAfter}), the output is the ReLU of the batch norm, computed in the same pass.
 */
final class BatchNormKernel implements BatchNormalizationHelper {
  private INDArray meanCache; // the last training forward pass's batch statistics, [channels]
  private INDArray varCache;
  private float[] batchMean; // the same, in Java
  private float[] batchVar;
  private final BatchNormArithmetic arithmetic = new BatchNormArithmetic();
  /** Whether a ReLU layer reads the output ({@link ReluLayer}): then the output may be the ReLU's. */
  private boolean reluAfter;
  /** Whether the last {@link #preOutput} call returned the ReLU of the batch norm. */
  private boolean reluApplied;

  @Override
  public boolean checkSupported(double eps, boolean fixedGammaBeta) {
    return !fixedGammaBeta;
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
  public INDArray getMeanCache(DataType dataType) {
    return meanCache;
  }

  @Override
  public INDArray getVarCache(DataType dataType) {
    return varCache;
  }

  private static BatchNormArithmetic.Shape shape(INDArray x) {
    return new BatchNormArithmetic.Shape((int) x.size(0), (int) x.size(1), (int) (x.size(2) * x.size(3)),
        NdBuffers.isChannelLast(x));
  }

  /** NCHW float activations laid out row-major or channel-last. */
  private static boolean supported(INDArray x, CNN2DFormat format) {
    return x.rank() == 4 && format == CNN2DFormat.NCHW && x.dataType() == DataType.FLOAT && NdBuffers.isDense(x);
  }

  /**
   * Lets the output be the ReLU of the batch norm, when a ReLU layer reads it and nothing else does
   * ({@link ReluLayer}, which then skips its pass): one pass over the activations fewer.
   */
  void reluAfter(boolean relu) {
    reluAfter = relu;
  }

  /** Whether the last {@link #preOutput} call returned the ReLU of the batch norm; false again after {@link #forgetRelu}. */
  boolean reluApplied() {
    return reluApplied;
  }

  void forgetRelu() {
    reluApplied = false;
  }

  @Override
  public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
      INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
    reluApplied = false;
    if (!supported(x, format) || gamma == null || beta == null) {
      return null; // DL4J's own path
    }
    BatchNormArithmetic.Shape s = shape(x);
    Images in = Images.readFrom(x, 0);
    float[] m;
    float[] v;
    if (training) {
      m = new float[s.c()];
      v = new float[s.c()];
      arithmetic.statistics(in, s, m, v);
      if (meanCache == null || meanCache.length() != s.c()) {
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
          meanCache = Nd4j.create(DataType.FLOAT, s.c());
          varCache = Nd4j.create(DataType.FLOAT, s.c());
        }
      }
      NdBuffers.copyInto(m, meanCache);
      NdBuffers.copyInto(v, varCache);
      batchMean = m;
      batchVar = v;
    } else {
      m = NdBuffers.toFloats(mean);
      v = NdBuffers.toFloats(var);
    }
    float[] g = NdBuffers.toFloats(gamma);
    float[] b = NdBuffers.toFloats(beta);
    float[] scale = new float[s.c()];
    float[] shift = new float[s.c()];
    for (int c = 0; c < s.c(); c++) {
      scale[c] = (float) (g[c] / Math.sqrt(v[c] + eps));
      shift[c] = b[c] - m[c] * scale[c];
    }
    boolean relu = reluAfter && !BatchNormArithmetic.hasNegativeZero(shift);
    INDArray out = NdBuffers.create(workspaceMgr, ArrayType.ACTIVATIONS, x.shape(), s.channelLast());
    Images.writeInto(out, 1, o -> arithmetic.normalize(in, s, scale, shift, relu, o));
    reluApplied = relu;
    return out;
  }

  /**
   * DL4J's gradients for the running mean and variance, from the last training forward pass's batch
   * statistics: (running - batch) x (1 - decay), computed as DL4J's layer computes them (a float
   * subtraction, then a float multiply by 1 - decay rounded to float), into the two views. False
   * when there has been no training forward pass.
   */
  boolean runningStatisticsGradients(INDArray runningMean, INDArray runningVar, double decay, INDArray dMeanView,
      INDArray dVarView) {
    if (batchMean == null || batchMean.length != runningMean.length()) {
      return false;
    }
    float rate = (float) (1 - decay);
    NdBuffers.write(decayed(NdBuffers.toFloats(runningMean), batchMean, rate), dMeanView);
    NdBuffers.write(decayed(NdBuffers.toFloats(runningVar), batchVar, rate), dVarView);
    return true;
  }

  private static float[] decayed(float[] running, float[] batch, float rate) {
    float[] d = new float[running.length];
    for (int c = 0; c < d.length; c++) {
      d[c] = (running[c] - batch[c]) * rate;
    }
    return d;
  }

  /** The gradients from the last training forward pass's batch statistics ({@link BatchNormArithmetic#gradient}). */
  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
      INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (!supported(input, format) || batchMean == null || gamma == null || dGammaView == null) {
      return null;
    }
    BatchNormArithmetic.Shape s = shape(input);
    Images x = Images.readFrom(input, 0);
    Images d =
        Images.readFrom(NdBuffers.inLayout(epsilon, s.channelLast(), workspaceMgr, ArrayType.ACTIVATION_GRAD), 1);
    float[] invStd = new float[s.c()];
    for (int c = 0; c < s.c(); c++) {
      invStd[c] = (float) (1 / Math.sqrt(batchVar[c] + eps));
    }
    float[] dGamma = new float[s.c()];
    float[] dBeta = new float[s.c()];
    float[] g = NdBuffers.toFloats(gamma);
    INDArray dx = NdBuffers.create(workspaceMgr, ArrayType.ACTIVATION_GRAD, input.shape(), s.channelLast());
    Images.writeInto(dx, 2, out -> arithmetic.gradient(x, d, s, batchMean, invStd, g, dGamma, dBeta, out));
    NdBuffers.write(dGamma, dGammaView);
    NdBuffers.write(dBeta, dBetaView);
    Gradient grad = new DefaultGradient();
    grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
    grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
    return new Pair<>(grad, dx);
  }
}
