package io.fednas.data;

import java.io.Serializable;

/**
 * Images as unsigned bytes in NCHW order (channel planes per image) with their integer labels.
 * Bytes, not floats: a quarter of the memory; {@link #pixelsAsFloats} scales to [0, 1] on demand.
 */
public record ImageSet(int channels, int height, int width, int numClasses, byte[] pixels, int[] labels)
    implements Serializable {

  public ImageSet {
    if ((long) labels.length * channels * height * width != pixels.length) {
      throw new IllegalArgumentException("pixels do not match " + labels.length + " images of "
          + channels + "x" + height + "x" + width);
    }
  }

  public int size() {
    return labels.length;
  }

  public int imageSize() {
    return channels * height * width;
  }

  /** The first {@code n} images (all of them when n is 0 or at least the size). */
  public ImageSet limit(int n) {
    if (n <= 0 || n >= size()) {
      return this;
    }
    return new ImageSet(channels, height, width, numClasses,
        java.util.Arrays.copyOf(pixels, n * imageSize()), java.util.Arrays.copyOf(labels, n));
  }

  /** The pixels of the given images, scaled to [0, 1], concatenated in the order given. */
  public float[] pixelsAsFloats(int[] indices) {
    int d = imageSize();
    float[] out = new float[indices.length * d];
    for (int i = 0; i < indices.length; i++) {
      int src = indices[i] * d;
      int dst = i * d;
      for (int k = 0; k < d; k++) {
        out[dst + k] = (pixels[src + k] & 0xFF) / 255f;
      }
    }
    return out;
  }

  public int[] labelsOf(int[] indices) {
    int[] out = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      out[i] = labels[indices[i]];
    }
    return out;
  }
}
