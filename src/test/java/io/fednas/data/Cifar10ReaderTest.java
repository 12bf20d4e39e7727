package io.fednas.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {
  @TempDir Path tmp;

  /** Records in the real layout: label byte, then 1024 red, 1024 green, 1024 blue bytes. */
  private static byte[] batch(int n, int firstLabel) {
    byte[] b = new byte[n * Cifar10Reader.RECORD];
    for (int r = 0; r < n; r++) {
      b[r * Cifar10Reader.RECORD] = (byte) ((firstLabel + r) % 10);
      for (int p = 1; p < Cifar10Reader.RECORD; p++) {
        b[r * Cifar10Reader.RECORD + p] = (byte) (r + p);
      }
    }
    return b;
  }

  @Test
  void readsAndConcatenatesBatches() throws Exception {
    Path a = Files.write(tmp.resolve("data_batch_1.bin"), batch(3, 0));
    Path b = Files.write(tmp.resolve("data_batch_2.bin"), batch(2, 7));
    ImageSet s = Cifar10Reader.read(List.of(a, b));
    assertEquals(5, s.size());
    assertEquals(3, s.channels());
    assertEquals(32, s.height());
    assertArrayEquals(new int[] {0, 1, 2, 7, 8}, s.labels());
    byte[] raw = batch(3, 0);
    // second image's pixels: the record after its label byte, channel planes in order
    assertArrayEquals(Arrays.copyOfRange(raw, Cifar10Reader.RECORD + 1, 2 * Cifar10Reader.RECORD),
        Arrays.copyOfRange(s.pixels(), 3072, 2 * 3072));
  }

  @Test
  void truncatedRecordGivesOffsets() throws Exception {
    byte[] raw = batch(3, 0);
    Path f = Files.write(tmp.resolve("test_batch.bin"), Arrays.copyOf(raw, 2 * Cifar10Reader.RECORD + 100));
    DataFormatError e = assertThrows(DataFormatError.class, () -> Cifar10Reader.read(List.of(f)));
    assertTrue(e.getMessage().contains("truncated at byte offset 6246"), e.getMessage());
    assertTrue(e.getMessage().contains("starts at byte offset 6146"), e.getMessage());
  }

  @Test
  void badLabelIsRejectedWithItsOffset() throws Exception {
    byte[] raw = batch(2, 0);
    raw[Cifar10Reader.RECORD] = 10;
    Path f = Files.write(tmp.resolve("b.bin"), raw);
    DataFormatError e = assertThrows(DataFormatError.class, () -> Cifar10Reader.read(List.of(f)));
    assertTrue(e.getMessage().contains("label 10 at byte offset 3073"), e.getMessage());
  }
}
