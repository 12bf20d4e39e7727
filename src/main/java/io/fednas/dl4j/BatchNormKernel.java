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
 * through its helper interface, over Java copies of the activations (one memcpy each way): one pass
 * per channel for the batch statistics (sums and sums of squares), one to normalize, two for the
 * gradient. The element-wise passes index every array alike, so the JIT vectorizes them; the sums
 * run four accumulators each.
 *
 * <p>Why: DL4J 1.0.0-M2.1's oneDNN helper for batch norm never switches on (it looks for a native
 * class under a name that release no longer has), so the layer falls back to generic ND4J
 * reductions and broadcasts, which cost several milliseconds per layer and minibatch. The layer
 * keeps its own handling of the running statistics: it reads this helper's batch mean and
 * (biased) variance through {@link #getMeanCache} and {@link #getVarCache}.
 */
final class BatchNormKernel implements BatchNormalizationHelper {
  private INDArray meanCache; // the last training forward pass's batch statistics, [channels]
  private INDArray varCache;
  private final float[][] staging = {new float[0], new float[0], new float[0]}; // kept at the largest size needed

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

  /** N images of C channels of a plane of P values, row-major. */
  private record Shape(int n, int c, int p) {
    static Shape of(INDArray x) {
      return new Shape((int) x.size(0), (int) x.size(1), (int) (x.size(2) * x.size(3)));
    }

    int at(int image, int channel) {
      return (image * c + channel) * p;
    }

    int length() {
      return n * c * p;
    }
  }

  private static boolean supported(INDArray x, CNN2DFormat format) {
    return x.rank() == 4 && format == CNN2DFormat.NCHW && x.dataType() == DataType.FLOAT && NdBuffers.view(x) != null;
  }

  @Override
  public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
      INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
    if (!supported(x, format) || gamma == null || beta == null) {
      return null; // DL4J's own path
    }
    Shape s = Shape.of(x);
    float[] in = staged(x, 0);
    float[] m;
    float[] v;
    if (training) {
      m = new float[s.c()];
      v = new float[s.c()];
      batchStatistics(in, s, m, v);
      if (meanCache == null || meanCache.length() != s.c()) {
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
          meanCache = Nd4j.create(DataType.FLOAT, s.c());
          varCache = Nd4j.create(DataType.FLOAT, s.c());
        }
      }
      NdBuffers.copyInto(m, meanCache);
      NdBuffers.copyInto(v, varCache);
    } else {
      m = NdBuffers.toFloats(mean);
      v = NdBuffers.toFloats(var);
    }
    float[] g = NdBuffers.toFloats(gamma);
    float[] b = NdBuffers.toFloats(beta);
    float[] o = staging(1, s.length());
    for (int c = 0; c < s.c(); c++) {
      float scale = (float) (g[c] / Math.sqrt(v[c] + eps));
      float shift = b[c] - m[c] * scale;
      for (int n = 0; n < s.n(); n++) {
        affine(in, o, s.at(n, c), s.at(n, c) + s.p(), scale, shift);
      }
    }
    INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
    NdBuffers.copyPrefixInto(o, out);
    return out;
  }

  /** out[i] = in[i] * scale + shift over [from, to): one index for both, so the JIT vectorizes it. */
  private static void affine(float[] in, float[] out, int from, int to, float scale, float shift) {
    for (int i = from; i < to; i++) {
      out[i] = in[i] * scale + shift;
    }
  }

  /** The values of {@code a} in staging array {@code slot}, which grows to the largest size needed. */
  private float[] staged(INDArray a, int slot) {
    return NdBuffers.toFloatsPrefix(a, staging(slot, (int) a.length()));
  }

  private float[] staging(int slot, int length) {
    if (staging[slot].length < length) {
      staging[slot] = new float[length];
    }
    return staging[slot];
  }

  /**
   * Per channel: the mean and the biased variance over the batch and the plane, from one pass of
   * sums and sums of squares in double (four running sums each, so the additions overlap).
   */
  private static void batchStatistics(float[] in, Shape s, float[] mean, float[] var) {
    double count = (double) s.n() * s.p();
    for (int c = 0; c < s.c(); c++) {
      double[] sums = new double[8];
      for (int n = 0; n < s.n(); n++) {
        sumAndSquares(in, s.at(n, c), s.at(n, c) + s.p(), sums);
      }
      double mu = (sums[0] + sums[1] + sums[2] + sums[3]) / count;
      double meanSquare = (sums[4] + sums[5] + sums[6] + sums[7]) / count;
      mean[c] = (float) mu;
      var[c] = (float) Math.max(0, meanSquare - mu * mu);
    }
  }

  /** Adds x and x^2 over [from, to) into sums[0..3] and sums[4..7]. */
  private static void sumAndSquares(float[] x, int from, int to, double[] sums) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    double q0 = 0;
    double q1 = 0;
    double q2 = 0;
    double q3 = 0;
    int i = from;
    for (; i + 3 < to; i += 4) {
      double a = x[i];
      double b = x[i + 1];
      double c = x[i + 2];
      double d = x[i + 3];
      s0 += a;
      s1 += b;
      s2 += c;
      s3 += d;
      q0 += a * a;
      q1 += b * b;
      q2 += c * c;
      q3 += d * d;
    }
    for (; i < to; i++) {
      double a = x[i];
      s0 += a;
      q0 += a * a;
    }
    sums[0] += s0;
    sums[1] += s1;
    sums[2] += s2;
    sums[3] += s3;
    sums[4] += q0;
    sums[5] += q1;
    sums[6] += q2;
    sums[7] += q3;
  }

  /**
   * With x^ = (x - mean) / std over the batch: dBeta = sum(dy), dGamma = sum(dy x^), and
   * dx = gamma / std x (dy - dBeta / M - x^ dGamma / M), M the values per channel.
   */
  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
      INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (!supported(input, format) || meanCache == null || gamma == null || dGammaView == null) {
      return null;
    }
    Shape s = Shape.of(input);
    float[] x = staged(input, 0);
    float[] d = staged(epsilon, 1);
    float[] m = NdBuffers.toFloats(meanCache);
    float[] v = NdBuffers.toFloats(varCache);
    float[] g = NdBuffers.toFloats(gamma);
    float[] dGamma = new float[s.c()];
    float[] dBeta = new float[s.c()];
    float[] out = staging(2, s.length());
    double count = (double) s.n() * s.p();
    for (int c = 0; c < s.c(); c++) {
      double invStd = 1 / Math.sqrt(v[c] + eps);
      double[] sums = new double[8];
      for (int n = 0; n < s.n(); n++) {
        sumAndProducts(d, x, s.at(n, c), s.at(n, c) + s.p(), sums);
      }
      double sumDy = sums[0] + sums[1] + sums[2] + sums[3];
      double sumDyX = sums[4] + sums[5] + sums[6] + sums[7];
      double sumDyXhat = (sumDyX - m[c] * sumDy) * invStd;
      dBeta[c] = (float) sumDy;
      dGamma[c] = (float) sumDyXhat;
      // dx = k (dy - meanDy - (x - mu) invStd meanDyXhat) = k dy + slope (x - mu) + offset
      double k = g[c] * invStd;
      float slope = (float) (-k * invStd * sumDyXhat / count);
      float offset = (float) (-k * sumDy / count);
      for (int n = 0; n < s.n(); n++) {
        linear(d, x, out, s.at(n, c), s.at(n, c) + s.p(), (float) k, slope, m[c], offset);
      }
    }
    INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    NdBuffers.copyPrefixInto(out, dx);
    dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
    dBetaView.assign(Nd4j.createFromArray(dBeta).reshape(dBetaView.shape()));
    Gradient grad = new DefaultGradient();
    grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
    grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
    return new Pair<>(grad, dx);
  }

  /** Adds dy and dy * x over [from, to) into sums[0..3] and sums[4..7]. */
  private static void sumAndProducts(float[] dy, float[] x, int from, int to, double[] sums) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    double p0 = 0;
    double p1 = 0;
    double p2 = 0;
    double p3 = 0;
    int i = from;
    for (; i + 3 < to; i += 4) {
      double a = dy[i];
      double b = dy[i + 1];
      double c = dy[i + 2];
      double e = dy[i + 3];
      s0 += a;
      s1 += b;
      s2 += c;
      s3 += e;
      p0 += a * x[i];
      p1 += b * x[i + 1];
      p2 += c * x[i + 2];
      p3 += e * x[i + 3];
    }
    for (; i < to; i++) {
      s0 += dy[i];
      p0 += (double) dy[i] * x[i];
    }
    sums[0] += s0;
    sums[1] += s1;
    sums[2] += s2;
    sums[3] += s3;
    sums[4] += p0;
    sums[5] += p1;
    sums[6] += p2;
    sums[7] += p3;
  }

  /** out[i] = k dy[i] + slope (x[i] - mu) + offset over [from, to): one index for all three, so the JIT vectorizes it. */
  private static void linear(float[] dy, float[] x, float[] out, int from, int to, float k, float slope, float mu,
      float offset) {
    for (int i = from; i < to; i++) {
      out[i] = k * dy[i] + slope * (x[i] - mu) + offset;
    }
  }
}
