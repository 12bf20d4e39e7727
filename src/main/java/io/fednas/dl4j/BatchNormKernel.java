package io.fednas.dl4j;

import java.nio.FloatBuffer;
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
 * through its helper interface: one pass per channel for the batch statistics, one to normalize,
 * two for the gradient, straight over ND4J's memory.
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
    FloatBuffer in = NdBuffers.view(x);
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
    INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
    FloatBuffer o = NdBuffers.view(out);
    for (int c = 0; c < s.c(); c++) {
      float scale = (float) (g[c] / Math.sqrt(v[c] + eps));
      float shift = b[c] - m[c] * scale;
      for (int n = 0; n < s.n(); n++) {
        for (int i = s.at(n, c), end = i + s.p(); i < end; i++) {
          o.put(i, in.get(i) * scale + shift);
        }
      }
    }
    return out;
  }

  /** Per channel: the mean and the biased variance over the batch and the plane (two passes, in double). */
  private static void batchStatistics(FloatBuffer in, Shape s, float[] mean, float[] var) {
    double count = (double) s.n() * s.p();
    for (int c = 0; c < s.c(); c++) {
      double sum = 0;
      for (int n = 0; n < s.n(); n++) {
        for (int i = s.at(n, c), end = i + s.p(); i < end; i++) {
          sum += in.get(i);
        }
      }
      double mu = sum / count;
      double sq = 0;
      for (int n = 0; n < s.n(); n++) {
        for (int i = s.at(n, c), end = i + s.p(); i < end; i++) {
          double d = in.get(i) - mu;
          sq += d * d;
        }
      }
      mean[c] = (float) mu;
      var[c] = (float) (sq / count);
    }
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
    INDArray dy = NdBuffers.view(epsilon) != null ? epsilon : epsilon.dup('c');
    Shape s = Shape.of(input);
    FloatBuffer x = NdBuffers.view(input);
    FloatBuffer d = NdBuffers.view(dy);
    float[] m = NdBuffers.toFloats(meanCache);
    float[] v = NdBuffers.toFloats(varCache);
    float[] g = NdBuffers.toFloats(gamma);
    float[] dGamma = new float[s.c()];
    float[] dBeta = new float[s.c()];
    INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    FloatBuffer out = NdBuffers.view(dx);
    double count = (double) s.n() * s.p();
    for (int c = 0; c < s.c(); c++) {
      double invStd = 1 / Math.sqrt(v[c] + eps);
      float mu = m[c];
      double sumDy = 0;
      double sumDyXhat = 0;
      for (int n = 0; n < s.n(); n++) {
        for (int i = s.at(n, c), end = i + s.p(); i < end; i++) {
          float dyi = d.get(i);
          sumDy += dyi;
          sumDyXhat += dyi * (x.get(i) - mu);
        }
      }
      sumDyXhat *= invStd;
      dBeta[c] = (float) sumDy;
      dGamma[c] = (float) sumDyXhat;
      float k = (float) (g[c] * invStd);
      float meanDy = (float) (sumDy / count);
      float meanDyXhat = (float) (sumDyXhat / count);
      float inv = (float) invStd;
      for (int n = 0; n < s.n(); n++) {
        for (int i = s.at(n, c), end = i + s.p(); i < end; i++) {
          float xhat = (x.get(i) - mu) * inv;
          out.put(i, k * (d.get(i) - meanDy - xhat * meanDyXhat));
        }
      }
    }
    dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
    dBetaView.assign(Nd4j.createFromArray(dBeta).reshape(dBetaView.shape()));
    Gradient grad = new DefaultGradient();
    grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
    grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
    return new Pair<>(grad, dx);
  }
}
