package io.fednas.data;

import java.nio.file.Path;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (plain or gzip): big-endian magic
 * 0x00000803 (unsigned bytes, 3 dimensions) for images, 0x00000801 for labels.
 */
public final class IdxReader {
  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;

  private IdxReader() {}

  /** Reads a pair of image and label files into one grayscale {@link ImageSet}. */
  public static ImageSet read(Path images, Path labels, int numClasses) {
    int[] dims = new int[3];
    byte[] pixels = readImages(images, dims);
    int[] y = readLabels(labels, numClasses);
    if (y.length != dims[0]) {
      throw new DataFormatError("image and label counts differ: " + images + " holds " + dims[0]
          + " images but " + labels + " holds " + y.length + " labels");
    }
    return new ImageSet(1, dims[1], dims[2], numClasses, pixels, y);
  }

  static byte[] readImages(Path file, int[] dimsOut) {
    try (ByteSource src = ByteSource.open(file)) {
      checkMagic(src, IMAGES_MAGIC, "images");
      int n = src.readInt("the image count");
      int rows = src.readInt("the row count");
      int cols = src.readInt("the column count");
      if (n <= 0 || rows <= 0 || cols <= 0 || (long) n * rows * cols > Integer.MAX_VALUE - 64) {
        throw new DataFormatError(file + ": implausible dimensions " + n + "x" + rows + "x" + cols
            + " in the header (bytes 4..15)");
      }
      byte[] pixels = src.readBytes(n * rows * cols, n + " images of " + rows + "x" + cols);
      rejectTrailing(src);
      dimsOut[0] = n;
      dimsOut[1] = rows;
      dimsOut[2] = cols;
      return pixels;
    }
  }

  static int[] readLabels(Path file, int numClasses) {
    try (ByteSource src = ByteSource.open(file)) {
      checkMagic(src, LABELS_MAGIC, "labels");
      int n = src.readInt("the label count");
      if (n <= 0) {
        throw new DataFormatError(file + ": label count " + n + " in the header (bytes 4..7): at least 1 expected");
      }
      long start = src.offset();
      byte[] raw = src.readBytes(n, n + " labels");
      rejectTrailing(src);
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = raw[i] & 0xFF;
        if (labels[i] >= numClasses) {
          throw new DataFormatError(file + ": label " + labels[i] + " at byte offset " + (start + i)
              + " is outside 0.." + (numClasses - 1));
        }
      }
      return labels;
    }
  }

  private static void checkMagic(ByteSource src, int expected, String what) {
    int magic = src.readInt("the magic number");
    if (magic != expected) {
      throw new DataFormatError(src.file() + ": wrong magic number 0x" + String.format("%08x", magic)
          + " at byte offset 0; expected 0x" + String.format("%08x", expected) + " for IDX " + what);
    }
  }

  private static void rejectTrailing(ByteSource src) {
    long end = src.offset();
    if (!src.atEnd()) {
      throw new DataFormatError(src.file() + ": unexpected data after byte offset " + end
          + " (the header's counts end there)");
    }
  }
}
