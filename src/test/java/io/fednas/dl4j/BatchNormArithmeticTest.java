package io.fednas.dl4j;

import static io.fednas.dl4j.SameBits.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchNormArithmetic} against batch normalization's definition computed in double: the
 * statistics, the normalization and the three gradients, on shapes from one value per channel to
 * planes of 28 x 28, with one instance reused across them (its buffers must never leak into a
 * result), on inputs whose mean is large against their spread (where sums of squares lose digits).
 */
class BatchNormArithmeticTest {

  @Test
  void statisticsNormalizationAndGradientsFollowTheDefinition() {
    Random r = new Random(11);
    BatchNormArithmetic arithmetic = new BatchNormArithmetic();
    int[][] shapes = {{4, 3, 49}, {2, 1, 1}, {3, 5, 16}, {5, 2, 784}, {1, 7, 9}, {4, 3, 49}};
    for (int[] t : shapes) {
      BatchNormArithmetic.Shape s = new BatchNormArithmetic.Shape(t[0], t[1], t[2], false);
      String what = s.toString();
      Inputs in = Inputs.random(r, s);
      float[] x = in.x();
      float[] dy = in.dy();
      float[] gamma = in.gamma();
      float[] beta = in.beta();
      double m = (double) s.n() * s.p();
      double[] mean = new double[s.c()];
      double[] var = new double[s.c()];
      for (int i = 0; i < x.length; i++) {
        mean[i / s.p() % s.c()] += x[i] / m;
      }
      for (int i = 0; i < x.length; i++) {
        double d = x[i] - mean[i / s.p() % s.c()];
        var[i / s.p() % s.c()] += d * d / m;
      }
      float[] gotMean = new float[s.c()];
      float[] gotVar = new float[s.c()];
      arithmetic.statistics(x, s, gotMean, gotVar);
      float[] scale = new float[s.c()];
      float[] shift = new float[s.c()];
      float[] invStd = new float[s.c()];
      for (int c = 0; c < s.c(); c++) {
        assertEquals(mean[c], gotMean[c], 1e-5 * Math.max(1, Math.abs(mean[c])), what + " mean");
        assertEquals(var[c], gotVar[c], 1e-4 * var[c] + 1e-7, what + " variance");
        invStd[c] = (float) (1 / Math.sqrt(var[c] + 1e-5));
        scale[c] = gamma[c] * invStd[c];
        shift[c] = (float) (beta[c] - mean[c] * scale[c]);
      }
      float[] y = new float[s.length()];
      arithmetic.normalize(x, s, scale, shift, y);
      double[] dGamma = new double[s.c()];
      double[] dBeta = new double[s.c()];
      for (int i = 0; i < x.length; i++) {
        int c = i / s.p() % s.c();
        double xhat = (x[i] - mean[c]) * invStd[c];
        assertEquals(gamma[c] * xhat + beta[c], y[i], 1e-4, what + " output at " + i);
        dBeta[c] += dy[i];
        dGamma[c] += dy[i] * xhat;
      }
      float[] gotDGamma = new float[s.c()];
      float[] gotDBeta = new float[s.c()];
      float[] dx = new float[s.length()];
      float[] meanF = new float[s.c()];
      for (int c = 0; c < s.c(); c++) {
        meanF[c] = (float) mean[c];
      }
      arithmetic.gradient(x, dy, s, meanF, invStd, gamma, gotDGamma, gotDBeta, dx);
      for (int c = 0; c < s.c(); c++) {
        assertEquals(dBeta[c], gotDBeta[c], 1e-4 * Math.max(1, Math.abs(dBeta[c])), what + " dBeta");
        assertEquals(dGamma[c], gotDGamma[c], 1e-4 * Math.max(1, Math.abs(dGamma[c])), what + " dGamma");
      }
      for (int i = 0; i < x.length; i++) {
        int c = i / s.p() % s.c();
        double xhat = (x[i] - mean[c]) * invStd[c];
        double want = gamma[c] * invStd[c] * (dy[i] - dBeta[c] / m - xhat * dGamma[c] / m);
        assertEquals(want, dx[i], 1e-4 * Math.max(1, Math.abs(want)), what + " dx at " + i);
      }
    }
  }

  /** Channel-last images give the bits that the same values give channel-first: statistics, output and gradients. */
  @Test
  void channelLastGivesTheBitsOfChannelFirst() {
    Random r = new Random(12);
    BatchNormArithmetic first = new BatchNormArithmetic();
    BatchNormArithmetic last = new BatchNormArithmetic();
    int[][] shapes = {{4, 3, 49}, {2, 1, 1}, {3, 16, 16}, {5, 2, 784}, {2, 64, 4}};
    for (int[] t : shapes) {
      BatchNormArithmetic.Shape f = new BatchNormArithmetic.Shape(t[0], t[1], t[2], false);
      BatchNormArithmetic.Shape l = new BatchNormArithmetic.Shape(t[0], t[1], t[2], true);
      String what = f.toString();
      Inputs in = Inputs.random(r, f);
      float[] xLast = new float[f.length()];
      float[] dyLast = new float[f.length()];
      DepthwiseKernel.toChannelLast(in.x(), f.n(), f.c(), f.p(), xLast);
      DepthwiseKernel.toChannelLast(in.dy(), f.n(), f.c(), f.p(), dyLast);
      float[][] byFirst = run(first, f, in.x(), in.dy(), in.gamma(), in.beta());
      float[][] byLast = run(last, l, xLast, dyLast, in.gamma(), in.beta());
      for (int k : new int[] {2, 4}) { // the output and dx back to channel-first
        float[] back = new float[f.length()];
        DepthwiseKernel.toChannelFirst(byLast[k], f.n(), f.c(), f.p(), back);
        byLast[k] = back;
      }
      String[] names = {"mean", "variance", "output", "dGamma and dBeta", "dx"};
      for (int k = 0; k < names.length; k++) {
        assertSameBits(byFirst[k], byLast[k], what + " " + names[k]);
      }
    }
  }

  /** A batch norm's inputs for one shape, channel-first: x, dL/dy, gamma and beta. */
  private record Inputs(float[] x, float[] dy, float[] gamma, float[] beta) {
    /** Random values, channel c's x about 3c (its mean large against its spread: sums of squares lose digits there). */
    static Inputs random(Random r, BatchNormArithmetic.Shape s) {
      float[] x = new float[s.length()];
      float[] dy = new float[s.length()];
      for (int i = 0; i < x.length; i++) {
        x[i] = 3f * (i / s.p() % s.c()) + 0.5f * (r.nextFloat() - 0.5f);
        dy[i] = r.nextFloat() - 0.5f;
      }
      float[] gamma = new float[s.c()];
      float[] beta = new float[s.c()];
      for (int c = 0; c < s.c(); c++) {
        gamma[c] = 0.5f + r.nextFloat();
        beta[c] = r.nextFloat() - 0.5f;
      }
      return new Inputs(x, dy, gamma, beta);
    }
  }

  /** Statistics, output, dGamma followed by dBeta, dx. */
  private static float[][] run(BatchNormArithmetic a, BatchNormArithmetic.Shape s, float[] x, float[] dy, float[] gamma,
      float[] beta) {
    float[] mean = new float[s.c()];
    float[] var = new float[s.c()];
    a.statistics(x, s, mean, var);
    float[] scale = new float[s.c()];
    float[] shift = new float[s.c()];
    float[] invStd = new float[s.c()];
    for (int c = 0; c < s.c(); c++) {
      invStd[c] = (float) (1 / Math.sqrt(var[c] + 1e-5));
      scale[c] = gamma[c] * invStd[c];
      shift[c] = beta[c] - mean[c] * scale[c];
    }
    float[] y = new float[s.length()];
    a.normalize(x, s, scale, shift, y);
    float[] dGamma = new float[s.c()];
    float[] dBeta = new float[s.c()];
    float[] dx = new float[s.length()];
    a.gradient(x, dy, s, mean, invStd, gamma, dGamma, dBeta, dx);
    float[] gradients = new float[2 * s.c()];
    System.arraycopy(dGamma, 0, gradients, 0, s.c());
    System.arraycopy(dBeta, 0, gradients, s.c(), s.c());
    return new float[][] {mean, var, y, gradients, dx};
  }
}
