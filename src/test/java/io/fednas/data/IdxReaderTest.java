package io.fednas.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fednas.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path tmp;

  @Test
  void readsPlainAndGzipIdentically() throws Exception {
    byte[] img = IdxFiles.images(12, 3, 4, IdxReader.IMAGES_MAGIC);
    byte[] lab = IdxFiles.labels(12, IdxReader.LABELS_MAGIC);
    ImageSet plain = IdxReader.read(IdxFiles.write(tmp.resolve("i"), img, false), IdxFiles.write(tmp.resolve("l"), lab, false), 10);
    ImageSet gz = IdxReader.read(IdxFiles.write(tmp.resolve("i.gz"), img, true), IdxFiles.write(tmp.resolve("l.gz"), lab, true), 10);
    assertEquals(12, plain.size());
    assertEquals(3, plain.height());
    assertEquals(4, plain.width());
    assertArrayEquals(plain.pixels(), gz.pixels());
    assertArrayEquals(plain.labels(), gz.labels());
    assertArrayEquals(Arrays.copyOfRange(img, 16, img.length), plain.pixels());
    assertEquals(11 % 10, plain.labels()[11]);
  }

  @Test
  void wrongMagicNamesFileAndNumbers() throws Exception {
    Path i = IdxFiles.write(tmp.resolve("i"), IdxFiles.images(2, 2, 2, 0x00000801), false);
    Path l = IdxFiles.write(tmp.resolve("l"), IdxFiles.labels(2, IdxReader.LABELS_MAGIC), false);
    DataFormatError e = assertThrows(DataFormatError.class, () -> IdxReader.read(i, l, 10));
    assertTrue(e.getMessage().contains(i.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("wrong magic number 0x00000801 at byte offset 0; expected 0x00000803"), e.getMessage());
  }

  @Test
  void truncatedImagesGiveTheByteOffset() throws Exception {
    byte[] full = IdxFiles.images(5, 4, 4, IdxReader.IMAGES_MAGIC);
    Path i = IdxFiles.write(tmp.resolve("i"), Arrays.copyOf(full, 16 + 50), false);
    Path l = IdxFiles.write(tmp.resolve("l"), IdxFiles.labels(5, IdxReader.LABELS_MAGIC), false);
    DataFormatError e = assertThrows(DataFormatError.class, () -> IdxReader.read(i, l, 10));
    assertTrue(e.getMessage().contains("truncated at byte offset 66"), e.getMessage());
    // truncated inside the header (the row count at bytes 8..11), and in a gzip file too
    Path h = IdxFiles.write(tmp.resolve("h.gz"), Arrays.copyOf(full, 10), true);
    e = assertThrows(DataFormatError.class, () -> IdxReader.read(h, l, 10));
    assertTrue(e.getMessage().contains("truncated at byte offset 10 while reading the row count"), e.getMessage());
  }

  @Test
  void differentImageAndLabelCountsAreRejected() throws Exception {
    Path i = IdxFiles.write(tmp.resolve("i"), IdxFiles.images(5, 2, 2, IdxReader.IMAGES_MAGIC), false);
    Path l = IdxFiles.write(tmp.resolve("l"), IdxFiles.labels(4, IdxReader.LABELS_MAGIC), false);
    DataFormatError e = assertThrows(DataFormatError.class, () -> IdxReader.read(i, l, 10));
    assertTrue(e.getMessage().contains("holds 5 images but") && e.getMessage().contains("holds 4 labels"), e.getMessage());
  }

  @Test
  void labelOutOfRangeAndTrailingBytesAreRejected() throws Exception {
    byte[] lab = IdxFiles.labels(3, IdxReader.LABELS_MAGIC);
    lab[8 + 2] = 12;
    Path l = IdxFiles.write(tmp.resolve("l"), lab, false);
    DataFormatError e = assertThrows(DataFormatError.class, () -> IdxReader.readLabels(l, 10));
    assertTrue(e.getMessage().contains("label 12 at byte offset 10"), e.getMessage());
    byte[] img = IdxFiles.images(1, 2, 2, IdxReader.IMAGES_MAGIC);
    Path i = IdxFiles.write(tmp.resolve("i"), Arrays.copyOf(img, img.length + 3), false);
    e = assertThrows(DataFormatError.class, () -> IdxReader.readImages(i, new int[3]));
    assertTrue(e.getMessage().contains("unexpected data after byte offset 20"), e.getMessage());
  }

  @Test
  void missingDatasetSaysHowToFetchIt() {
    DataFormatError e = assertThrows(DataFormatError.class, () -> DatasetLoader.load(
        ConfigLoader.load(null, List.of("data.dir=" + tmp.resolve("none"))).data()));
    assertTrue(e.getMessage().contains("dataset 'mnist' not found"), e.getMessage());
    assertTrue(e.getMessage().contains("datasets/fetch mnist"), e.getMessage());
  }

  @Test
  void realMnistAndFashionMnistLoad() {
    for (String name : List.of("mnist", "fashion-mnist")) {
      Dataset d = DatasetLoader.load(ConfigLoader.load(null, List.of("data.name=" + name)).data());
      assertEquals(60000, d.train().size());
      assertEquals(10000, d.test().size());
      assertEquals(28, d.train().height());
      int[] counts = new int[10];
      for (int y : d.train().labels()) {
        counts[y]++;
      }
      // every class is present in the real data; MNIST's smallest class (5) has 5421 samples
      assertTrue(Arrays.stream(counts).min().getAsInt() >= 5421, Arrays.toString(counts));
    }
  }
}
