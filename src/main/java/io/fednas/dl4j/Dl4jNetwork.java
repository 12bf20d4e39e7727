package io.fednas.dl4j;

import io.fednas.model.TrainableNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

/** A DL4J network behind {@link TrainableNetwork}; minibatches go through this thread's reused ND4J buffers. */
final class Dl4jNetwork implements TrainableNetwork {
  /** Training minibatch buffers (features, labels) of this executor thread, refilled batch after batch. */
  private static final ThreadLocal<INDArray[]> TRAIN_BATCH = ThreadLocal.withInitial(() -> new INDArray[2]);
  /** The feature buffer for predictions of this executor thread. */
  private static final ThreadLocal<INDArray[]> PREDICT_BATCH = ThreadLocal.withInitial(() -> new INDArray[1]);

  private final MultiLayerNetwork net;

  Dl4jNetwork(MultiLayerNetwork net) {
    this.net = net;
  }

  @Override
  public void setWeights(float[] weights) {
    if (weights.length != net.numParams()) {
      throw new IllegalStateException("weights of " + weights.length + " parameters for a network of " + net.numParams());
    }
    NdBuffers.copyInto(weights, net.params());
  }

  /**
   * Sets every layer's learning rate in place. The updater's blocks keep the layers' own updater
   * configurations and read the rate from them at each step, so the next step already uses it.
   */
  void setLearningRate(double learningRate) {
    for (Layer layer : net.getLayers()) {
      if (layer.conf().getLayer() instanceof BaseLayer conf) {
        for (IUpdater updater : new IUpdater[] {conf.getIUpdater(), conf.getBiasUpdater()}) {
          if (updater != null && updater.hasLearningRate()) {
            updater.setLrAndSchedule(learningRate, null);
          }
        }
      }
    }
  }

  @Override
  public void resetOptimizer() {
    Updater updater = net.getUpdater();
    if (updater != null && updater.getStateViewArray() != null) {
      updater.getStateViewArray().assign(0);
    }
  }

  @Override
  public double fit(float[] features, float[] oneHotLabels, int batch) {
    INDArray[] buffers = TRAIN_BATCH.get();
    buffers[0] = NdBuffers.reuse(buffers[0], batch, features.length / batch);
    buffers[1] = NdBuffers.reuse(buffers[1], batch, oneHotLabels.length / batch);
    NdBuffers.copyInto(features, buffers[0]);
    NdBuffers.copyInto(oneHotLabels, buffers[1]);
    net.fit(new DataSet(buffers[0], buffers[1]));
    return net.score(); // the batch's mean loss, from the forward pass of this step
  }

  @Override
  public float[] weights() {
    return NdBuffers.toFloats(net.params());
  }

  @Override
  public float[] predict(float[] features, int batch) {
    INDArray[] buffer = PREDICT_BATCH.get();
    buffer[0] = NdBuffers.reuse(buffer[0], batch, features.length / batch);
    NdBuffers.copyInto(features, buffer[0]);
    return NdBuffers.toFloats(net.output(buffer[0], false));
  }
}
