package io.fednas.dl4j;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

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
 */
final class FlatGradientUpdater extends MultiLayerUpdater {

  FlatGradientUpdater(MultiLayerNetwork network) {
    super(network);
  }

  @Override
  public void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
    INDArray view = getFlattenedGradientsView();
    INDArray flat = gradient.gradient();
    boolean same = flat != null && view != null && flat.length() == view.length()
        && flat.data().address() == view.data().address() && flat.offset() == view.offset()
        && flat.elementWiseStride() == 1 && view.elementWiseStride() == 1;
    super.update(same ? new Viewed(gradient, view) : gradient, iteration, epoch, batchSize, workspaceMgr);
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
