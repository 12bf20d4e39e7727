package io.fednas.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Reads the CIFAR-10 binary format: records of one label byte then 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, row-major 32x32), i.e. already NCHW.
 */
public final class Cifar10Reader {
  static final int SIDE = 32;
  static final int RECORD = 1 + 3 * SIDE * SIDE;
  public static final List<String> TRAIN_FILES = List.of(
      "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
  public static final String TEST_FILE = "test_batch.bin";

  private Cifar10Reader() {}

  /** Reads and concatenates the given batch files. */
  public static ImageSet read(List<Path> files) {
    java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
    java.util.List<Integer> labels = new java.util.ArrayList<>();
    byte[] record = new byte[RECORD];
    for (Path file : files) {
      long size = fileSize(file);
      if (size == 0) {
        throw new DataFormatError(file + ": empty (0 bytes): a CIFAR-10 batch holds records of " + RECORD + " bytes");
      }
      if (size % RECORD != 0) {
        throw new DataFormatError(file + ": truncated at byte offset " + size + ": the last record, which starts at byte offset "
            + (size / RECORD) * RECORD + ", has " + (size % RECORD) + " of its " + RECORD + " bytes");
      }
      try (ByteSource src = ByteSource.open(file)) {
        for (long r = 0; r < size / RECORD; r++) {
          long at = src.offset();
          src.readFully(record, 0, RECORD, "record " + r);
          int label = record[0] & 0xFF;
          if (label > 9) {
            throw new DataFormatError(file + ": label " + label + " at byte offset " + at + " is outside 0..9");
          }
          labels.add(label);
          pixels.write(record, 1, RECORD - 1);
        }
      }
    }
    return new ImageSet(3, SIDE, SIDE, 10, pixels.toByteArray(),
        labels.stream().mapToInt(Integer::intValue).toArray());
  }

  private static long fileSize(Path file) {
    try {
      return java.nio.file.Files.size(file);
    } catch (java.io.IOException e) {
      throw new DataFormatError("dataset file not found: " + file);
    }
  }
}
