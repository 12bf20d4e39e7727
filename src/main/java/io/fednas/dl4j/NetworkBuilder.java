package io.fednas.dl4j;

import io.fednas.model.Architecture;
import io.fednas.model.LayerSpec;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.MaxPool;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Builds the DL4J network of an {@link Architecture}: float32, flat NCHW input, softmax output. */
public final class NetworkBuilder {
  private NetworkBuilder() {}

  /** Plain SGD when momentum is 0, else Nesterov momentum. On CPU the layers run the project's {@link CpuKernels}. */
  public static MultiLayerNetwork build(Architecture a, long seed, double learningRate, double momentum) {
    MultiLayerNetwork net = withoutKernels(a, seed, learningRate, momentum);
    CpuKernels.install(net);
    return net;
  }

  /** The same network run by DL4J's own code alone: what the project's kernels are tested against. */
  static MultiLayerNetwork withoutKernels(Architecture a, long seed, double learningRate, double momentum) {
    IUpdater updater = momentum > 0 ? new Nesterovs(learningRate, momentum) : new Sgd(learningRate);
    NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .weightInit(WeightInit.RELU)
        .updater(updater)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .list();
    for (LayerSpec l : a.layers()) {
      if (l instanceof Conv c) {
        b.layer(new ConvolutionLayer.Builder(c.kernel(), c.kernel())
            .stride(c.stride(), c.stride())
            .convolutionMode(c.same() ? ConvolutionMode.Same : ConvolutionMode.Truncate)
            .nOut(c.filters())
            .activation(Activation.RELU)
            .build());
      } else if (l instanceof MaxPool p) {
        b.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
            .kernelSize(p.kernel(), p.kernel())
            .stride(p.stride(), p.stride())
            .build());
      } else if (l instanceof Dense d) {
        b.layer(new DenseLayer.Builder().nOut(d.units()).activation(Activation.RELU).build());
      }
    }
    b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
        .nOut(a.numClasses())
        .activation(Activation.SOFTMAX)
        .weightInit(WeightInit.XAVIER)
        .build());
    b.setInputType(InputType.convolutionalFlat(a.height(), a.width(), a.channels()));
    MultiLayerConfiguration conf = b.build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
