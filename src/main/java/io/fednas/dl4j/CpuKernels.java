package io.fednas.dl4j;

import java.lang.reflect.Field;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Puts the project's CPU kernels into a built network's layers: {@link NoCopyConvolutionLayer} in
 * place of DL4J's convolution layers, with {@link OneDnnConvolution} for convolutions where the
 * native library has oneDNN and {@link Im2colConvolution} for the others (and for the first layer),
 * {@link MaxPoolLayer} in place of DL4J's subsampling layers (max
 * pooling without oneDNN's slow helper) with {@link MaxPoolBackprop} for their backprop, {@link
 * ReluBackprop} for ReLU ({@link ReluLayer} in place of DL4J's ReLU layer after a batch norm), {@link
 * DepthwiseLayer} in place of DL4J's depthwise convolution layers (on {@link OneDnnDepthwise} with
 * oneDNN), {@link DenseReluLayer} in place of its dense layers, {@link SoftmaxOutputLayer} in place of
 * its output layer and {@link BatchNormLayer} with {@link BatchNormKernel} in place of its batch-norm
 * layers.
 * CPU backend only: on CUDA, DL4J's own path (or cuDNN) keeps the data on the GPU.
 *
 * <p>The network's configuration is left as DL4J built it, so a saved model names only DL4J's
 * classes: the ReLU goes into a copy of the layer's configuration that only the layer holds.
 */
final class CpuKernels {
  private static final Field CONVOLUTION_HELPER = helperField(ConvolutionLayer.class);
  private static final Field POOLING_HELPER = helperField(SubsamplingLayer.class);
  private static final Field BATCH_NORM_HELPER = helperField(BatchNormalization.class);
  private static final Field LAYER_MAP = field(MultiLayerNetwork.class, "layerMap");

  private CpuKernels() {}

  /**
   * On the network's first layer the convolution helper does not compute the gradient with respect
   * to the network's input: fit() discards it (MultiLayerNetwork.calcBackpropGradients sets it to
   * null), and it would cost that layer's largest GEMM and its col2im. So a network built here
   * returns zeros, not input gradients, from backpropGradient: nothing in the job asks for them.
   */
  static void install(MultiLayerNetwork net) {
    install(net, OneDnnConvolution.available());
  }

  /** As {@link #install(MultiLayerNetwork)}, with oneDNN's convolutions or without (the tests compare both). */
  static void install(MultiLayerNetwork net, boolean oneDnn) {
    install(net, oneDnn, true);
  }

  /**
   * As {@link #install(MultiLayerNetwork, boolean)}, with activations passed channel-last between the
   * kernels that read them so ({@link #allowChannelLast}) or always row-major (the tests compare both).
   */
  static void install(MultiLayerNetwork net, boolean oneDnn, boolean channelLast) {
    if (!"CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"))) {
      return;
    }
    ShapeInfoCache.install();
    Layer[] layers = net.getLayers();
    for (Layer layer : layers) {
      if (layer.getClass() == ConvolutionLayer.class) {
        boolean first = layer == layers[0];
        boolean bias = ((org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer.conf().getLayer()).hasBias();
        layer = replace(net, layer, new NoCopyConvolutionLayer(layer.conf(), net.getLayerWiseConfigurations().getDataType()));
        set(CONVOLUTION_HELPER, layer, oneDnn && !first ? new OneDnnConvolution(bias) : new Im2colConvolution(!first));
      } else if (layer.getClass() == SubsamplingLayer.class) {
        layer = replace(net, layer, new MaxPoolLayer(layer.conf(), net.getLayerWiseConfigurations().getDataType()));
        set(POOLING_HELPER, layer, new MaxPoolBackprop());
      } else if (layer.getClass() == DepthwiseConvolution2DLayer.class) {
        layer = replace(net, layer, new DepthwiseLayer(layer.conf(), net.getLayerWiseConfigurations().getDataType(), oneDnn));
      } else if (layer.getClass() == DenseLayer.class) {
        layer = replace(net, layer, new DenseReluLayer(layer.conf(), net.getLayerWiseConfigurations().getDataType()));
      } else if (layer.getClass() == org.deeplearning4j.nn.layers.OutputLayer.class) {
        layer = replace(net, layer, new SoftmaxOutputLayer(layer.conf(), net.getLayerWiseConfigurations().getDataType()));
      } else if (layer.getClass() == BatchNormalization.class) {
        layer = replace(net, layer, new BatchNormLayer(layer.conf(), net.getLayerWiseConfigurations().getDataType()));
        set(BATCH_NORM_HELPER, layer, new BatchNormKernel());
      }
      if (layer.conf().getLayer() instanceof BaseLayer conf && new ActivationReLU().equals(conf.getActivationFn())
          && layer instanceof AbstractLayer<?> owner) {
        NeuralNetConfiguration own = layer.conf().clone();
        ((BaseLayer) own.getLayer()).setActivationFn(new ReluBackprop());
        owner.setConf(own);
      } else if (layer.conf().getLayer() instanceof ActivationLayer conf
          && new ActivationReLU().equals(conf.getActivationFn()) && layer instanceof AbstractLayer<?> owner) {
        NeuralNetConfiguration own = layer.conf().clone();
        ((ActivationLayer) own.getLayer()).setActivationFn(new ReluBackprop());
        if (layer.getIndex() > 0 && layers[layer.getIndex() - 1] instanceof BatchNormLayer before) {
          // in place: a batch norm's backprop does not read its output; so the batch norm may apply it
          replace(net, layer, new ReluLayer(own, net.getLayerWiseConfigurations().getDataType(), before));
          if (before.getHelper() instanceof BatchNormKernel kernel) {
            kernel.reluAfter(true);
          }
        } else {
          owner.setConf(own);
        }
      }
    }
    if (channelLast) {
      allowChannelLast(net.getLayers());
    }
  }

  /**
   * Lets a depthwise or oneDNN convolution layer leave its output channel-last when every layer that
   * reads it, up to the next convolution, is the project's and reads that layout: batch norms and
   * their ReLUs, then a depthwise or oneDNN convolution. In a MobileNet that is every block but the
   * last (global pooling is DL4J's). Why: the depthwise kernel works channel-last and oneDNN reorders
   * channel-last faster, so in between, transposes were all that the layout cost.
   */
  private static void allowChannelLast(Layer[] layers) {
    for (int i = 0; i < layers.length; i++) {
      boolean depthwise = layers[i] instanceof DepthwiseLayer;
      boolean oneDnn = layers[i].getHelper() instanceof OneDnnConvolution;
      if (!depthwise && !oneDnn) {
        continue;
      }
      int next = i + 1;
      while (next < layers.length && (layers[next] instanceof BatchNormLayer || layers[next] instanceof ReluLayer)) {
        next++;
      }
      boolean allowed = next < layers.length
          && (layers[next] instanceof DepthwiseLayer || layers[next].getHelper() instanceof OneDnnConvolution);
      if (depthwise) {
        ((DepthwiseLayer) layers[i]).channelLastOutput(allowed);
      } else {
        ((OneDnnConvolution) layers[i].getHelper()).channelLastOutput(allowed);
      }
    }
  }

  /** {@code layer} set up as DL4J's configuration sets up the layers it builds, in {@code old}'s place. */
  private static Layer replace(MultiLayerNetwork net, Layer old, Layer layer) {
    layer.setListeners(old.getListeners());
    layer.setIndex(old.getIndex());
    layer.setParamTable(old.paramTable());
    net.getLayers()[old.getIndex()] = layer;
    layerMap(net).replace(old.conf().getLayer().getLayerName(), old, layer);
    return layer;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Layer> layerMap(MultiLayerNetwork net) {
    try {
      return (Map<String, Layer>) LAYER_MAP.get(net);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Field helperField(Class<?> layerClass) {
    return field(layerClass, "helper");
  }

  private static Field field(Class<?> owner, String name) {
    try {
      Field f = owner.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (NoSuchFieldException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static void set(Field field, Layer layer, Object helper) {
    try {
      field.set(layer, helper);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
