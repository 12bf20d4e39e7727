package io.fednas.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's batch-norm layer whose backprop, when {@link BatchNormKernel} runs it, also computes the
 * running statistics' gradients in Java: the same steps as DL4J's helper path for a 4-d input
 * (the kernel's gradients, then (running - batch) x (1 - decay) for the mean and the variance), with the
 * same float arithmetic, so the same bits. Anything else (no kernel, log-std variance, locked gamma
 * and beta, a helper that failed before) goes to DL4J's own code.
 *
 * <p>Why: DL4J computes those two small vectors with four native ops a layer, each costing more in
 * call overhead than its arithmetic; a MobileNet has 19 batch norms.
 */
final class BatchNormLayer extends BatchNormalization {

  /** This layer's last output when it is already the ReLU of the batch norm ({@link BatchNormKernel#reluAfter}), else null. */
  private INDArray reluApplied;

  BatchNormLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    reluApplied = null;
    BatchNormKernel kernel = getHelper() instanceof BatchNormKernel k ? k : null;
    if (kernel != null) {
      kernel.forgetRelu(); // DL4J may not call the kernel at all this time
    }
    INDArray out = super.activate(training, workspaceMgr);
    if (kernel != null && kernel.reluApplied()) {
      reluApplied = out;
    }
    return out;
  }

  /** Whether {@code a} is this layer's last output and that output is already the ReLU of the batch norm. */
  boolean reluAppliedTo(INDArray a) {
    return reluApplied != null && NdBuffers.sameMemory(a, reluApplied);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    org.deeplearning4j.nn.conf.layers.BatchNormalization c = layerConf();
    if (!(getHelper() instanceof BatchNormKernel kernel) || c.isLockGammaBeta() || c.isUseLogStd() || helperCountFail != 0
        || input == null || input.rank() != 4) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    INDArray dMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
    INDArray dVar = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
    Pair<Gradient, INDArray> ret = kernel.backpropGradient(input.castTo(dataType), epsilon, getShape(epsilon),
        getParam(BatchNormalizationParamInitializer.GAMMA), getParam(BatchNormalizationParamInitializer.BETA),
        gradientViews.get(BatchNormalizationParamInitializer.GAMMA), gradientViews.get(BatchNormalizationParamInitializer.BETA),
        c.getEps(), c.getCnn2DFormat(), workspaceMgr);
    if (ret == null || !kernel.runningStatisticsGradients(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN),
        getParam(BatchNormalizationParamInitializer.GLOBAL_VAR), c.getDecay(), dMean, dVar)) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    ret.getFirst().setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, dMean);
    ret.getFirst().setGradientFor(BatchNormalizationParamInitializer.GLOBAL_VAR, dVar);
    return ret;
  }
}
