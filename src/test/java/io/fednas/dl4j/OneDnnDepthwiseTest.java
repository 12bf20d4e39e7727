package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link OneDnnDepthwise} against {@link DepthwiseKernel} (which its own test holds to the
 * definition bit for bit): forward output, input gradient and weight gradient equal up to float
 * rounding on every geometry of that test and on a MobileNet's (channels that fill no vector, strides 1
 * and 2, a last minibatch shorter than the others), with one instance going through more geometries
 * than it keeps and back (a rebuilt geometry must compute what it did).
 */
class OneDnnDepthwiseTest {

  private static List<DepthwiseKernel.Geometry> geometries() {
    List<DepthwiseKernel.Geometry> all = new ArrayList<>(DepthwiseKernelTest.geometries());
    // mobilenet-28 at width 0.5: {channels, plane, stride}; Same mode pads the top-left by (total) / 2
    int[][] layers = {{8, 28, 1}, {16, 28, 2}, {32, 14, 1}, {32, 14, 2}, {64, 7, 1}, {64, 7, 2}, {128, 4, 1}};
    for (int n : new int[] {10, 7}) {
      for (int[] l : layers) {
        int out = (l[1] + l[2] - 1) / l[2];
        int pad = Math.max(0, (out - 1) * l[2] + 3 - l[1]) / 2;
        all.add(new DepthwiseKernel.Geometry(n, l[0], l[1], l[1], out, out, 3, l[2], pad, pad));
      }
    }
    return all;
  }

  private static INDArray random(Random r, long... shape) {
    INDArray a = Nd4j.create(DataType.FLOAT, shape);
    for (long i = 0; i < a.length(); i++) {
      a.putScalar(i, r.nextFloat() - 0.5f);
    }
    return a;
  }

  /** Equal up to rounding: within 1e-5 of the largest value of {@code want}; a wrong tap is off by far more. */
  private static void assertClose(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what);
    float scale = 0f;
    for (float v : want) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < want.length; i++) {
      assertTrue(Math.abs(want[i] - got[i]) <= 1e-5f * Math.max(scale, 1f),
          what + " [" + i + "]: " + got[i] + " where DepthwiseKernel gives " + want[i]);
    }
  }

  @Test
  void computesWhatTheJavaKernelDoesUpToRounding() {
    assertTrue(OneDnnDepthwise.available(), "oneDNN's library (JavaCPP's preset) did not load");
    Random r = new Random(17);
    OneDnnDepthwise oneDnn = new OneDnnDepthwise();
    DepthwiseKernel kernel = new DepthwiseKernel();
    List<DepthwiseKernel.Geometry> geometries = geometries();
    for (int pass = 0; pass < 2; pass++) { // the second pass rebuilds what the first dropped
      for (DepthwiseKernel.Geometry g : geometries) {
        assertTrue(OneDnnDepthwise.supports(g), g.toString());
        INDArray x = random(r, g.n(), g.h(), g.w(), g.c());
        INDArray delta = random(r, g.n(), g.outH(), g.outW(), g.c());
        float[] weights = random(r, g.k() * g.k() * g.c()).toFloatVector();
        INDArray z = Nd4j.valueArrayOf(new long[] {g.n(), g.outH(), g.outW(), g.c()}, Float.NaN);
        INDArray dx = Nd4j.valueArrayOf(new long[] {g.n(), g.h(), g.w(), g.c()}, Float.NaN);
        float[] dw = new float[weights.length];
        oneDnn.forward(g, x, weights, z);
        oneDnn.backward(g, x, weights, delta, dx, dw);

        float[] wantZ = new float[g.outputLength()];
        float[] wantDx = new float[g.inputLength()];
        float[] wantDw = new float[weights.length];
        kernel.forward(g, x.data().asFloat(), weights, wantZ);
        kernel.backward(g, x.data().asFloat(), weights, delta.data().asFloat(), wantDx, wantDw);
        assertClose(wantZ, z.data().asFloat(), g + " pass " + pass + " output");
        assertClose(wantDx, dx.data().asFloat(), g + " pass " + pass + " input gradient");
        assertClose(wantDw, dw, g + " pass " + pass + " weight gradient");
      }
    }
  }

  /** A geometry whose output implies negative padding after the input (DL4J's Truncate mode can) is left to the Java kernel. */
  @Test
  void negativePaddingAfterTheInputIsNotTaken() {
    // 8 wide, 3 x 3 at stride 2 without padding: outputs 0..2 read columns up to 6; column 7 is left over
    assertFalse(OneDnnDepthwise.supports(new DepthwiseKernel.Geometry(2, 4, 8, 8, 3, 3, 3, 2, 0, 0)));
    assertTrue(OneDnnDepthwise.supports(new DepthwiseKernel.Geometry(2, 4, 7, 7, 3, 3, 3, 2, 0, 0)));
  }
}
