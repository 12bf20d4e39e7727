package io.fednas.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.model.Architecture;
import io.fednas.model.Architectures;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.MaxPool;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The convolution helpers, {@link Im2colConvolution} and (where the native library has oneDNN)
 * {@link OneDnnConvolution}, must compute what DL4J's built-in convolution computes: outputs and
 * gradients (of networks that also run the project's max-pooling and ReLU kernels, {@link
 * CpuKernelsTest}).
 */
class Im2colConvolutionTest {

  private static MultiLayerNetwork builtIn(Architecture a) {
    return NetworkBuilder.withoutKernels(a, 11, 0.1, 0);
  }

  private static double maxRelDiff(INDArray a, INDArray b) {
    double scale = Math.max(1e-6, a.amaxNumber().doubleValue());
    return a.sub(b).amaxNumber().doubleValue() / scale;
  }

  /** The networks under test: layers after the first on the im2col helper, and on oneDNN's ops where the native library has them. */
  private static List<MultiLayerNetwork> withHelpers(Architecture a) {
    List<MultiLayerNetwork> nets = new ArrayList<>();
    for (boolean oneDnn : OneDnnConvolution.available() ? new boolean[] {false, true} : new boolean[] {false}) {
      MultiLayerNetwork net = builtIn(a);
      CpuKernels.install(net, oneDnn);
      Class<?> later = oneDnn ? OneDnnConvolution.class : Im2colConvolution.class;
      boolean first = true;
      for (Layer l : net.getLayers()) {
        if (l instanceof NoCopyConvolutionLayer) { // not the depthwise layers: the project's own kernel runs those
          assertEquals(first ? Im2colConvolution.class : later, l.getHelper().getClass());
          first = false;
        }
      }
      assertFalse(first, "the convolution layers are the project's");
      nets.add(net);
    }
    return nets;
  }

  private static void assertSameAsBuiltIn(Architecture a) throws Exception {
    for (MultiLayerNetwork fast : withHelpers(a)) {
      assertSameAsBuiltIn(a, fast);
    }
  }

  private static void assertSameAsBuiltIn(Architecture a, MultiLayerNetwork fast) throws Exception {
    MultiLayerNetwork ref = builtIn(a);
    assertEquals(fast.params(), ref.params());
    Nd4j.getRandom().setSeed(3);
    int n = 5;
    INDArray x = Nd4j.rand(DataType.FLOAT, n, (long) a.channels() * a.height() * a.width());
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, a.numClasses());
    for (int i = 0; i < n; i++) {
      y.putScalar(i, i % a.numClasses(), 1f);
    }
    assertTrue(maxRelDiff(ref.output(x), fast.output(x)) < 1e-5, "outputs differ");
    fast.setInput(x);
    fast.setLabels(y);
    ref.setInput(x);
    ref.setLabels(y);
    fast.computeGradientAndScore();
    ref.computeGradientAndScore();
    assertEquals(ref.score(), fast.score(), 1e-5);
    INDArray gRef = ref.gradient().gradient();
    INDArray gFast = fast.gradient().gradient();
    assertTrue(maxRelDiff(gRef, gFast) < 1e-4, "gradients differ by " + maxRelDiff(gRef, gFast));
    assertNoFallback(fast);
  }

  /** The helpers really ran: no layer fell back to the built-in path (DL4J does, quietly, when a helper throws). */
  private static void assertNoFallback(MultiLayerNetwork fast) throws Exception {
    Field convFails = ConvolutionLayer.class.getDeclaredField("helperCountFail");
    convFails.setAccessible(true);
    Field poolFails = SubsamplingLayer.class.getDeclaredField("helperCountFail");
    poolFails.setAccessible(true);
    for (Layer l : fast.getLayers()) {
      if (l instanceof ConvolutionLayer) {
        assertEquals(0, convFails.getInt(l));
      } else if (l instanceof SubsamplingLayer) {
        assertEquals(0, poolFails.getInt(l));
      }
    }
  }

  /**
   * The network keeps each convolution's forward output for its backprop (DL4J's cache mode), and
   * the MobileNet's kernels share their thread's scratch arrays: interleaving other inputs and a
   * weight change must never serve a stale value.
   */
  @Test
  void keptForwardResultsAreNeverStale() throws Exception {
    for (Architecture a : List.of(Architectures.byName("lenet", 1, 28, 28, 10),
        Architectures.byName("mobilenet-28", 0.25, 1, 28, 28, 10))) {
      for (MultiLayerNetwork fast : withHelpers(a)) {
        assertNeverStale(a, fast);
      }
    }
  }

  private static void assertNeverStale(Architecture a, MultiLayerNetwork fast) throws Exception {
    MultiLayerNetwork ref = builtIn(a);
    Nd4j.getRandom().setSeed(5);
    INDArray x1 = Nd4j.rand(DataType.FLOAT, 4, 784);
    INDArray x2 = Nd4j.rand(DataType.FLOAT, 4, 784);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
    for (int i = 0; i < 4; i++) {
      y.putScalar(i, i, 1f);
    }
    for (int step = 0; step < 3; step++) {
      INDArray x = step == 1 ? x2 : x1;
      assertTrue(maxRelDiff(ref.output(x2), fast.output(x2)) < 1e-5, "outputs differ at step " + step);
      for (MultiLayerNetwork net : List.of(fast, ref)) {
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
      }
      assertTrue(maxRelDiff(ref.gradient().gradient(), fast.gradient().gradient()) < 1e-4, "gradients at step " + step);
      // the same change of every weight on both: the next step's weights differ from the kept ones
      INDArray change = Nd4j.rand(DataType.FLOAT, ref.params().shape()).subi(0.5).muli(0.2);
      ref.params().addi(change);
      fast.params().addi(change);
    }
    assertNoFallback(fast);
  }

  @Test
  void validPaddingLeNet() throws Exception {
    assertSameAsBuiltIn(Architectures.byName("lenet", 1, 28, 28, 10));
  }

  @Test
  void twoChannelsAfterOverlappingPooling() throws Exception {
    assertSameAsBuiltIn(new Architecture("p", 2, 13, 13, 4, List.of(
        new Conv(6, 3, 1, false), new MaxPool(3, 2), new Conv(5, 2, 1, true), new MaxPool(2, 1), new Dense(7))));
  }

  /**
   * The helper works a few images at a time: the second layer here (16 x 5 x 5 weights, 16 x 16
   * outputs) takes two of the five images per chunk, so three chunks, the last one shorter, add
   * up the weight gradient; the McMahan CNN's second layer takes one image per chunk.
   */
  @Test
  void layersWorkedInChunksOfImages() throws Exception {
    assertEquals(2, new Im2colConvolution.Shape(5, 16, 16, 16, 8, 5, 5, 1, 1, 2, 2, 16, 16).chunk());
    assertEquals(1, new Im2colConvolution.Shape(5, 32, 14, 14, 64, 5, 5, 1, 1, 2, 2, 14, 14).chunk());
    assertSameAsBuiltIn(new Architecture("c", 1, 16, 16, 3, List.of(new Conv(16, 5, 1, true), new Conv(8, 5, 1, true),
        new Dense(6))));
    assertSameAsBuiltIn(Architectures.byName("mcmahan-cnn", 1, 28, 28, 10));
  }

  /** A MobileNet's stem and 1x1 pointwise convolutions: no bias, no activation of their own (batch norm and ReLU follow). */
  @Test
  void mobileNetConvolutionsWithoutBiasOrActivation() throws Exception {
    assertSameAsBuiltIn(Architectures.byName("mobilenet-28", 0.25, 1, 28, 28, 10));
  }

  /**
   * 1x1 convolutions at stride 1 run as matrix products over channel-last memory: here with a bias and
   * ReLU, fed row-major activations, one after another and before a pooling layer (DL4J's layout out).
   */
  @Test
  void pointwiseConvolutionsWithBiasOnRowMajorActivations() throws Exception {
    assertSameAsBuiltIn(new Architecture("p", 2, 9, 9, 5, List.of(
        new Conv(6, 3, 1, true), new Conv(7, 1, 1, true), new Conv(4, 1, 1, false), new MaxPool(2, 2), new Dense(6))));
  }

  @Test
  void samePaddingAndStrideTwoOnColourInput() throws Exception {
    assertSameAsBuiltIn(new Architecture("t", 3, 11, 11, 4, List.of(
        new Conv(6, 5, 1, true), new Conv(5, 3, 2, true), new MaxPool(2, 2), new Conv(4, 2, 1, false), new Dense(7))));
  }

  /**
   * The im2col matrix element by element from its definition, and col2im as its exact adjoint,
   * both written into arrays that held garbage before (the helper reuses its arrays across calls),
   * for a whole minibatch and for a chunk of its images (the helper works a few images at a time).
   */
  @Test
  void im2colFollowsItsDefinitionAndCol2imIsItsAdjoint() {
    java.util.Random r = new java.util.Random(9);
    // {mb, inC, inH, inW, outC, kH, kW, sH, sW, pH, pW[, outH, outW]}: padding, strides, non-square; those
    // with output sizes given are sized as DL4J's Same mode does it: the first with no top-left padding
    // and the last windows reaching past the input, the second an even kernel padded 1 before and 2 after,
    // the last two kernels more than twice as wide as the input (shifts past the whole width).
    // Stride 1 with an output as wide as the input takes the plane-run path: the first case, the even
    // kernel, the kernel taller than the input (whole matrix rows in the padding), and the last two.
    int[][] cases = {{2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1}, {3, 2, 9, 11, 2, 5, 3, 2, 3, 2, 1}, {1, 1, 5, 5, 1, 5, 5, 1, 1, 0, 0},
        {2, 2, 5, 7, 1, 2, 3, 2, 2, 0, 0, 3, 4}, {2, 2, 6, 7, 3, 2, 4, 2, 1, 0, 3},
        {3, 2, 6, 5, 3, 4, 4, 1, 1, 1, 1, 6, 5}, {3, 2, 2, 4, 1, 5, 3, 1, 1, 2, 1}, {2, 1, 3, 2, 2, 3, 7, 1, 1, 1, 3, 3, 2}, {2, 1, 1, 2, 2, 1, 7, 1, 1, 0, 3, 1, 2}};
    for (int[] c : cases) {
      int outH = c.length > 11 ? c[11] : (c[2] + 2 * c[9] - c[5]) / c[7] + 1;
      int outW = c.length > 11 ? c[12] : (c[3] + 2 * c[10] - c[6]) / c[8] + 1;
      Im2colConvolution.Shape s = new Im2colConvolution.Shape(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
          c[10], outH, outW);
      float[] x = new float[s.inputLength()];
      for (int q = 0; q < x.length; q++) {
        x[q] = r.nextFloat() - 0.5f;
      }
      for (int[] images : new int[][] {{0, s.mb()}, {1, s.mb()}}) {
        checkChunk(s, x, images[0], images[1], r, java.util.Arrays.toString(c) + " images " + java.util.Arrays.toString(images));
      }
    }
  }

  private static void checkChunk(Im2colConvolution.Shape s, float[] x, int b0, int b1, java.util.Random r, String what) {
    int outH = s.outH();
    int outW = s.outW();
    int n = (b1 - b0) * outH * outW;
    float[] col = new float[s.k() * n + 3]; // longer than needed, as a reused staging array is
    java.util.Arrays.fill(col, Float.NaN);
    Im2colConvolution.im2col(x, s, b0, b1, col);
    for (int ch = 0; ch < s.inC(); ch++) {
      for (int i = 0; i < s.kH(); i++) {
        for (int j = 0; j < s.kW(); j++) {
          for (int b = b0; b < b1; b++) {
            for (int y = 0; y < outH; y++) {
              for (int xo = 0; xo < outW; xo++) {
                int iy = y * s.sH() - s.pH() + i;
                int ix = xo * s.sW() - s.pW() + j;
                float want = iy < 0 || iy >= s.inH() || ix < 0 || ix >= s.inW() ? 0f
                    : x[((b * s.inC() + ch) * s.inH() + iy) * s.inW() + ix];
                int row = (ch * s.kH() + i) * s.kW() + j;
                assertEquals(want, col[row * n + ((b - b0) * outH + y) * outW + xo], what);
              }
            }
          }
        }
      }
    }
    float[] g = new float[s.k() * n];
    for (int q = 0; q < g.length; q++) {
      g[q] = r.nextFloat() - 0.5f;
    }
    double lhs = 0;
    for (int q = 0; q < g.length; q++) {
      lhs += (double) col[q] * g[q];
    }
    float[] back = new float[s.inputLength()];
    java.util.Arrays.fill(back, Float.NaN);
    Im2colConvolution.col2im(g, s, b0, b1, back);
    int image = s.inC() * s.inH() * s.inW();
    double rhs = 0;
    for (int q = 0; q < x.length; q++) {
      if (q < b0 * image || q >= b1 * image) {
        assertTrue(Float.isNaN(back[q]), "col2im wrote outside its images: " + what);
      } else {
        rhs += (double) x[q] * back[q];
      }
    }
    assertEquals(lhs, rhs, 1e-4 * Math.max(1, Math.abs(lhs)), "<im2col(x), g> = <x, col2im(g)> " + what);
  }
}
