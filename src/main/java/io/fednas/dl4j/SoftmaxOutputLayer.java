package io.fednas.dl4j;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * DL4J's output layer for a softmax with the cross-entropy (negative log-likelihood) loss, whose
 * training step is computed in Java: the forward pass once, the softmax, dL/dz = p - y, the weight,
 * bias and input gradients, and the loss from the same probabilities. The arithmetic is DL4J's
 * (LossMCXENT: the gradient from the softmax itself, the loss from it clipped to [1e-10, 1 - 1e-10],
 * divided by the minibatch size), summed in a fixed order of its own, so the results agree with
 * DL4J's up to float rounding and do not depend on anything but the inputs. Anything else (another
 * loss or activation, loss weights, a mask, dropout, weight noise, no bias) goes to DL4J's own code,
 * as does inference.
 *
 * <p>Why: DL4J's step runs about ten native ops here on matrices of a few thousand values (the
 * product x W + b twice, once for the gradient and once for the loss, the softmax and loss each
 * again, the three gradient products and sums), each costing more in call overhead than its
 * arithmetic; at the small minibatches of federated clients that was several percent of a step.
 */
final class SoftmaxOutputLayer extends OutputLayer {
  /** Clipping of the probabilities in the loss, as LossMCXENT's default. */
  private static final double CLIP = 1e-10;

  /** The last training backprop's input and the per-example losses it computed, for {@link #computeScore}. */
  private INDArray lossesOf;
  private double[] losses;

  SoftmaxOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean ours() {
    org.deeplearning4j.nn.conf.layers.OutputLayer c = layerConf();
    return c.getActivationFn() instanceof ActivationSoftmax && c.getLossFn() instanceof LossMCXENT loss
        && loss.getWeights() == null && loss.getSoftmaxClipEps() == CLIP && c.getIDropout() == null
        && c.getWeightNoise() == null && hasBias() && maskArray == null && input != null && input.rank() == 2
        && input.dataType() == DataType.FLOAT && labels != null && labels.rank() == 2
        && labels.size(1) == c.getNOut() && labels.size(0) == input.size(0);
  }

  @Override
  public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    lossesOf = null;
    losses = null;
    super.setInput(input, workspaceMgr);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    lossesOf = null;
    losses = null;
    if (!ours()) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    int n = (int) input.size(0);
    int in = (int) input.size(1);
    int out = (int) layerConf().getNOut();
    float[][] x = rows(NdBuffers.toFloats(input), n, in);
    float[] y = NdBuffers.toFloats(labels);
    // W is [in, out]: its transpose [out, in], one row per output unit
    float[][] wt = rows(NdBuffers.toFloats(getParam(DefaultParamInitializer.WEIGHT_KEY).transpose()), out, in);
    float[] b = NdBuffers.toFloats(getParam(DefaultParamInitializer.BIAS_KEY));
    float[] delta = new float[n * out];
    double[] loss = new double[n];
    for (int e = 0; e < n; e++) {
      loss[e] = softmaxDelta(x[e], wt, b, y, e * out, delta);
    }
    float[][] dwt = new float[out][in];
    float[] db = new float[out];
    float[] dx = new float[n * in];
    float[] dxRow = new float[in];
    for (int e = 0; e < n; e++) {
      Arrays.fill(dxRow, 0f);
      for (int j = 0; j < out; j++) {
        float d = delta[e * out + j];
        db[j] += d;
        multiplyAdd(dwt[j], d, x[e]);
        multiplyAdd(dxRow, d, wt[j]);
      }
      System.arraycopy(dxRow, 0, dx, e * in, in);
    }
    INDArray weightGradView = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    INDArray biasGradView = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
    float[] dwtFlat = new float[out * in];
    for (int j = 0; j < out; j++) {
      System.arraycopy(dwt[j], 0, dwtFlat, j * in, in);
    }
    NdBuffers.write(dwtFlat, weightGradView.transpose());
    NdBuffers.write(db, biasGradView);
    Gradient gradient = new DefaultGradient();
    gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGradView);
    gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGradView);
    INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, new long[] {n, in}, 'c');
    NdBuffers.copyInto(dx, epsilonNext);
    lossesOf = input;
    losses = loss;
    return new Pair<>(gradient, epsilonNext);
  }

  /** {@code values} of {@code count} rows of {@code length} as one array per row. */
  private static float[][] rows(float[] values, int count, int length) {
    float[][] rows = new float[count][];
    for (int r = 0; r < count; r++) {
      rows[r] = Arrays.copyOfRange(values, r * length, (r + 1) * length);
    }
    return rows;
  }

  /**
   * One example x: z = x W + b, p = softmax(z), dL/dz = p - y into {@code delta} from {@code at}; returns
   * its loss, -sum y log p with p clipped. The softmax in double, from z less its largest value.
   */
  private static double softmaxDelta(float[] x, float[][] wt, float[] b, float[] y, int at, float[] delta) {
    int out = wt.length;
    double[] z = new double[out];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < out; j++) {
      z[j] = b[j] + dot(x, wt[j]);
      max = Math.max(max, z[j]);
    }
    double sum = 0;
    for (int j = 0; j < out; j++) {
      z[j] = Math.exp(z[j] - max);
      sum += z[j];
    }
    double loss = 0;
    for (int j = 0; j < out; j++) {
      float p = (float) (z[j] / sum);
      delta[at + j] = p - y[at + j];
      loss -= y[at + j] * Math.log(Math.min(Math.max(p, CLIP), 1 - CLIP));
    }
    return loss;
  }

  /** The dot product in float, in four running sums (every fourth term each), then those summed in order. */
  private static float dot(float[] a, float[] b) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < a.length; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < a.length; i++) {
      s0 += a[i] * b[i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** acc[i] += d * v[i]: one index for both arrays, so the JIT vectorizes it. */
  private static void multiplyAdd(float[] acc, float d, float[] v) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += d * v[i];
    }
  }

  /**
   * The loss of the training step whose backprop just ran on this input, from the probabilities it
   * computed (DL4J computes the forward pass again for it); else DL4J's own.
   */
  @Override
  public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
    double[] loss = losses;
    boolean fromBackprop = training && loss != null && lossesOf == input && ours();
    lossesOf = null;
    losses = null;
    if (!fromBackprop) {
      return super.computeScore(fullNetRegTerm, training, workspaceMgr);
    }
    double total = 0;
    for (double l : loss) {
      total += l;
    }
    if (conf().isMiniBatch()) {
      total /= getInputMiniBatchSize();
    }
    score = total + fullNetRegTerm;
    return score;
  }
}
