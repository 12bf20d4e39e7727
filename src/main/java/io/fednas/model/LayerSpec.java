package io.fednas.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.io.Serializable;

/** One hidden layer of a CNN. The softmax output layer is implied by the architecture. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = LayerSpec.Conv.class, name = "conv"),
    @JsonSubTypes.Type(value = LayerSpec.MaxPool.class, name = "maxpool"),
    @JsonSubTypes.Type(value = LayerSpec.Dense.class, name = "dense"),
    @JsonSubTypes.Type(value = LayerSpec.ConvBn.class, name = "convbn"),
    @JsonSubTypes.Type(value = LayerSpec.DepthwiseBn.class, name = "depthwise"),
    @JsonSubTypes.Type(value = LayerSpec.GlobalAvgPool.class, name = "gap")})
public sealed interface LayerSpec extends Serializable {

  /** A prunable layer has a width (filters or units) that search may narrow. */
  default boolean prunable() {
    return false;
  }

  /** Square convolution with ReLU; {@code same} pads so that output = ceil(input / stride). */
  record Conv(int filters, int kernel, int stride, boolean same) implements LayerSpec {
    public Conv {
      if (filters < 1 || kernel < 1 || stride < 1) {
        throw new IllegalArgumentException("conv needs filters, kernel and stride >= 1");
      }
    }

    @Override
    public boolean prunable() {
      return true;
    }
  }

  /** Square max pooling (no padding). */
  record MaxPool(int kernel, int stride) implements LayerSpec {
    public MaxPool {
      if (kernel < 1 || stride < 1) {
        throw new IllegalArgumentException("maxpool needs kernel and stride >= 1");
      }
    }
  }

  /** Fully connected layer with ReLU. */
  record Dense(int units) implements LayerSpec {
    public Dense {
      if (units < 1) {
        throw new IllegalArgumentException("dense needs units >= 1");
      }
    }

    @Override
    public boolean prunable() {
      return true;
    }
  }

  /**
   * A convolution without bias, then batch normalization, then ReLU (the stem and the pointwise 1x1
   * layers of a MobileNet); {@code same} padding, so output = ceil(input / stride).
   */
  record ConvBn(int filters, int kernel, int stride) implements LayerSpec {
    public ConvBn {
      if (filters < 1 || kernel < 1 || stride < 1) {
        throw new IllegalArgumentException("convbn needs filters, kernel and stride >= 1");
      }
    }

    @Override
    public boolean prunable() {
      return true;
    }
  }

  /**
   * A depthwise convolution (one {@code kernel} x {@code kernel} filter per input channel, no bias,
   * {@code same} padding), then batch normalization, then ReLU. Its width is its input's: never a
   * search candidate of its own; it narrows with the layer before it.
   */
  record DepthwiseBn(int kernel, int stride) implements LayerSpec {
    public DepthwiseBn {
      if (kernel < 1 || stride < 1) {
        throw new IllegalArgumentException("depthwise needs kernel and stride >= 1");
      }
    }
  }

  /** Global average pooling: each channel's mean over its plane, so the classifier sees C features. */
  record GlobalAvgPool() implements LayerSpec {}
}
