package io.fednas.dl4j;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.NesterovsUpdater;
import org.nd4j.linalg.learning.NoOpUpdater;
import org.nd4j.linalg.learning.SgdUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * DL4J's updater, handed the network's gradient as the very array it keeps its views into.
 *
 * <p>Why: in DL4J M2.1, {@code DefaultGradient.gradient()} returns the flattened gradient reshaped,
 * a new array object over the same memory, so the updater takes every gradient for an "external"
 * one and, every minibatch, cuts fresh views out of it for each block and, twice, for every
 * parameter (to look for L1/L2 regularization, even when there is none). On a MobileNet, whose
 * batch norms split the parameters into dozens of blocks, that is hundreds of native array views a
 * step. Given the same memory as the object it expects, the updater takes its standard path over the
 * views it made once: the same operations on the same values.
 *
 * <p>Where every block is plain SGD, Nesterov momentum or no update, and no parameter is regularized or
 * has its gradient normalized (how {@link NetworkBuilder} builds networks), the whole update is one
 * pass in Java over the flat gradient and momentum instead: DL4J runs a division by the minibatch size
 * per run of parameters and a native updater op per block, each a native call with its own array
 * setup, which on a MobileNet cost more than the arithmetic. The same arithmetic in the same order,
 * element by element, as libnd4j's updater ops (the test suite compares the bits).
 */
final class FlatGradientUpdater extends MultiLayerUpdater {
  /** Values per pass over the gradient: a chunk and its momentum stay in the core's first-level cache. */
  private static final int CHUNK = 4096;

  private final float[] gradientChunk = new float[CHUNK];
  private final float[] stateChunk = new float[CHUNK];

  /** Runs of parameters ([from, to) in the flat gradient) that DL4J divides by the minibatch size; null until used. */
  private int[][] divided;

  /** Whether the last update ran in Java, not on DL4J's path (for the tests). */
  private boolean lastInJava;

  FlatGradientUpdater(MultiLayerNetwork network) {
    super(network);
  }

  @Override
  public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
      LayerWorkspaceMgr workspaceMgr) {
    INDArray view = getFlattenedGradientsView();
    INDArray flat = gradient.gradient();
    boolean same = flat != null && view != null && flat.length() == view.length()
        && flat.data().address() == view.data().address() && flat.offset() == view.offset()
        && flat.elementWiseStride() == 1 && view.elementWiseStride() == 1;
    lastInJava = same && inJava(iteration, epoch, batchSize);
    if (lastInJava) {
      return;
    }
    super.update(same ? new Viewed(gradient, view) : gradient, iteration, epoch, batchSize, workspaceMgr);
  }

  boolean lastInJava() {
    return lastInJava;
  }

  /** Whether the update ran here: false (nothing changed) where a block needs DL4J's own path. */
  private boolean inJava(int iteration, int epoch, int batchSize) {
    List<UpdaterBlock> blocks = getUpdaterBlocks();
    for (UpdaterBlock b : blocks) {
      if (!simple(b)) {
        return false;
      }
    }
    FloatBuffer g = NdBuffers.view(getFlattenedGradientsView());
    INDArray stateArray = getStateViewArray(); // null when no block keeps state (plain SGD)
    FloatBuffer state = stateArray == null ? null : NdBuffers.view(stateArray);
    if (g == null || stateArray != null && state == null) {
      return false;
    }
    int[][] divide = isMiniBatch() ? divided() : new int[0][];
    float size = batchSize;
    int blockCount = blocks.size();
    float[] lr = new float[blockCount];
    float[] mu = new float[blockCount];
    for (int k = 0; k < blockCount; k++) {
      GradientUpdater<?> u = blocks.get(k).getGradientUpdater();
      if (u instanceof NesterovsUpdater) {
        Nesterovs c = (Nesterovs) u.getConfig();
        lr[k] = (float) c.getLearningRate(iteration, epoch);
        mu[k] = (float) c.currentMomentum(iteration, epoch);
      } else if (u instanceof SgdUpdater) {
        lr[k] = (float) ((Sgd) u.getConfig()).getLearningRate(iteration, epoch);
      }
    }
    int n = (int) getFlattenedGradientsView().length();
    // chunk by chunk through arrays on the heap, where the JIT vectorizes the loops, which it does not
    // over native memory read element by element; each element divided, then updated, as DL4J orders it
    for (int from = 0; from < n; from += CHUNK) {
      int to = Math.min(n, from + CHUNK);
      g.get(from, gradientChunk, 0, to - from);
      for (int[] run : divide) {
        divide(gradientChunk, Math.max(run[0], from) - from, Math.min(run[1], to) - from, size);
      }
      for (int k = 0; k < blockCount; k++) {
        UpdaterBlock b = blocks.get(k);
        int start = Math.max(b.getParamOffsetStart(), from);
        int end = Math.min(b.getParamOffsetEnd(), to);
        if (start >= end) {
          continue;
        }
        GradientUpdater<?> u = b.getGradientUpdater();
        if (u instanceof NesterovsUpdater) {
          int stateStart = b.getUpdaterViewOffsetStart() + start - b.getParamOffsetStart();
          state.get(stateStart, stateChunk, 0, end - start);
          nesterovs(gradientChunk, start - from, end - from, stateChunk, lr[k], mu[k]);
          state.put(stateStart, stateChunk, 0, end - start);
        } else if (u instanceof SgdUpdater) {
          scale(gradientChunk, start - from, end - from, lr[k]);
        }
      }
      g.put(from, gradientChunk, 0, to - from);
    }
    return true;
  }

  /** g[i] /= size over [from, to) (nothing where the range is empty). */
  private static void divide(float[] g, int from, int to, float size) {
    for (int i = from; i < to; i++) {
      g[i] = g[i] / size;
    }
  }

  /** Plain SGD's update over [from, to): lr g. */
  private static void scale(float[] g, int from, int to, float lr) {
    for (int i = from; i < to; i++) {
      g[i] = lr * g[i];
    }
  }

  /**
   * Nesterov momentum on gradient [from, to), its momentum in {@code v} from index 0: v' = mu v - lr g,
   * and the update (which the network subtracts from the weights) mu v - (1 + mu) v'.
   */
  private static void nesterovs(float[] g, int from, int to, float[] v, float lr, float mu) {
    float muPlusOne = mu + 1f;
    for (int i = from, j = 0; i < to; i++, j++) {
      float previous = mu * v[j];
      float next = previous - lr * g[i];
      v[j] = next;
      g[i] = previous - muPlusOne * next;
    }
  }

  /**
   * Whether the block's update is one this class runs: SGD, Nesterov momentum (its state initialized)
   * or none, on parameters without regularization or gradient normalization.
   */
  private static boolean simple(UpdaterBlock b) {
    GradientUpdater<?> u = b.getGradientUpdater();
    boolean known = u instanceof SgdUpdater || u instanceof NoOpUpdater
        || u instanceof NesterovsUpdater n && n.getV() != null;
    if (!known || b.skipDueToPretrainConfig(false)) {
      return false;
    }
    for (UpdaterBlock.ParamState p : b.getLayersAndVariablesInBlock()) {
      TrainingConfig conf = p.getLayer().getConfig();
      var regularization = conf.getRegularizationByParam(p.getParamName());
      GradientNormalization norm = conf.getGradientNormalization();
      if (regularization != null && !regularization.isEmpty() || norm != null && norm != GradientNormalization.None) {
        return false;
      }
    }
    return true;
  }

  private int[][] divided() {
    if (divided == null) {
      INDArray flat = getFlattenedGradientsView();
      List<int[]> runs = new ArrayList<>();
      for (INDArray run : getMinibatchDivisionSubsets(flat)) {
        int from = (int) (run.offset() - flat.offset());
        runs.add(new int[] {from, from + (int) run.length()});
      }
      divided = runs.toArray(new int[0][]);
    }
    return divided;
  }

  /** {@code original} with {@link #gradient()} answering {@code view}, the same values. */
  private record Viewed(Gradient original, INDArray view) implements Gradient {
    @Override
    public INDArray gradient() {
      return view;
    }

    @Override
    public Map<String, INDArray> gradientForVariable() {
      return original.gradientForVariable();
    }

    @Override
    public INDArray gradient(List<String> order) {
      return original.gradient(order);
    }

    @Override
    public void clear() {
      original.clear();
    }

    @Override
    public INDArray getGradientFor(String variable) {
      return original.getGradientFor(variable);
    }

    @Override
    public INDArray setGradientFor(String variable, INDArray newGradient) {
      return original.setGradientFor(variable, newGradient);
    }

    @Override
    public INDArray setGradientFor(String variable, INDArray newGradient, Character flatteningOrder) {
      return original.setGradientFor(variable, newGradient, flatteningOrder);
    }

    @Override
    public Character flatteningOrderForVariable(String variable) {
      return original.flatteningOrderForVariable(variable);
    }
  }
}
