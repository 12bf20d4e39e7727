package io.fednas.dl4j;

import io.fednas.model.Architecture;
import io.fednas.model.LayerSpec.Conv;
import io.fednas.model.LayerSpec.ConvBn;
import io.fednas.model.LayerSpec.Dense;
import io.fednas.model.LayerSpec.DepthwiseBn;
import io.fednas.model.LayerSpec.GlobalAvgPool;
import io.fednas.model.LayerSpec.MaxPool;
import io.fednas.model.LayerSpec;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
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

  /**
   * Plain SGD when momentum is 0, else Nesterov momentum. On CPU the layers run the project's {@link
   * CpuKernels}; the updater is {@link FlatGradientUpdater}.
   */
  public static MultiLayerNetwork build(Architecture a, long seed, double learningRate, double momentum) {
    MultiLayerNetwork net = withoutKernels(a, seed, learningRate, momentum);
    CpuKernels.install(net);
    net.setUpdater(new FlatGradientUpdater(net));
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
        // a convolution layer keeps its forward output for its backprop, which would compute it again
        .cacheMode(CacheMode.DEVICE)
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
      } else if (l instanceof ConvBn c) {
        b.layer(new ConvolutionLayer.Builder(c.kernel(), c.kernel())
            .stride(c.stride(), c.stride())
            .convolutionMode(ConvolutionMode.Same)
            .nOut(c.filters())
            .hasBias(false) // batch norm's shift is the bias
            .activation(Activation.IDENTITY)
            .build());
        batchNormAndRelu(b);
      } else if (l instanceof DepthwiseBn d) {
        b.layer(new DepthwiseConvolution2D.Builder(d.kernel(), d.kernel())
            .stride(d.stride(), d.stride())
            .convolutionMode(ConvolutionMode.Same)
            .depthMultiplier(1)
            .hasBias(false)
            .activation(Activation.IDENTITY)
            .build());
        batchNormAndRelu(b);
      } else if (l instanceof GlobalAvgPool) {
        b.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
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

  /**
   * Batch norm storing the running variance itself (not DL4J's default log10 of the standard
   * deviation), so that FedAvg's sample-weighted mean of the running statistics is a mean of
   * variances; then ReLU.
   */
  private static void batchNormAndRelu(NeuralNetConfiguration.ListBuilder b) {
    b.layer(new BatchNormalization.Builder().useLogStd(false).build());
    b.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
  }

  /** The index of each layer's first DL4J layer (a layer with batch norm is three: its own, batch norm, ReLU), the output layer's last. */
  static int[] firstDl4jLayers(Architecture a) {
    int[] first = new int[a.layers().size() + 1];
    int at = 0;
    for (int i = 0; i < a.layers().size(); i++) {
      first[i] = at;
      LayerSpec l = a.layers().get(i);
      at += l instanceof ConvBn || l instanceof DepthwiseBn ? 3 : 1;
    }
    first[a.layers().size()] = at;
    return first;
  }
}
