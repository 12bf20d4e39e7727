package io.fednas.dl4j;

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
      BatchNormArithmetic.Shape s = new BatchNormArithmetic.Shape(t[0], t[1], t[2]);
      String what = s.toString();
      float[] x = new float[s.length()];
      float[] dy = new float[s.length()];
      for (int i = 0; i < x.length; i++) {
        int c = i / s.p() % s.c();
        x[i] = 3f * c + 0.5f * (r.nextFloat() - 0.5f); // channel c's mean about 3c
        dy[i] = r.nextFloat() - 0.5f;
      }
      float[] gamma = new float[s.c()];
      float[] beta = new float[s.c()];
      for (int c = 0; c < s.c(); c++) {
        gamma[c] = 0.5f + r.nextFloat();
        beta[c] = r.nextFloat() - 0.5f;
      }
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
}
