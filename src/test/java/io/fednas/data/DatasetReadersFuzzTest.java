package io.fednas.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile dataset files: real IDX and CIFAR-10 files mutated at random (header fields set to huge,
 * negative or zero counts and dimensions, flipped bytes, truncations, appended bytes, random
 * content, gzip wrapping and damaged gzip streams), seeded so a failure can be replayed
 * ({@code -Dfuzz.seed=N}). Every case must end in a {@link DataFormatError} that names the file,
 * or in a read that equals what an independent decoder finds in the bytes: never another
 * exception, an out-of-memory or a hang.
 */
class DatasetReadersFuzzTest {
  private static final int CASES = 1500;
  private static final int[] EXTREMES = {0, 1, -1, 2, 255, 256, 1 << 16, 1 << 24, 1 << 30, Integer.MAX_VALUE,
      Integer.MIN_VALUE, IdxReader.IMAGES_MAGIC, IdxReader.LABELS_MAGIC};

  @TempDir Path dir;

  @Test
  void mutatedIdxAndCifarFilesEndInAClearErrorOrACorrectRead() {
    long seed = Long.getLong("fuzz.seed", 20261202L);
    List<String> failures = new ArrayList<>();
    int[] outcomes = new int[2]; // errors, reads
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      for (int c = 0; c < CASES; c++) {
        Random r = new Random(seed * 1_000_003L + c);
        String failure = r.nextInt(4) == 0 ? cifarCase(r, c, outcomes) : idxCase(r, c, outcomes);
        if (failure != null) {
          failures.add("case " + c + " (seed " + seed + "): " + failure);
        }
      }
    });
    System.out.printf("DatasetReadersFuzzTest: %d cases, %d clear errors, %d correct reads%n", CASES, outcomes[0],
        outcomes[1]);
    assertEquals(List.of(), failures);
  }

  private String idxCase(Random r, int c, int[] outcomes) throws IOException {
    int n = 1 + r.nextInt(12);
    byte[] images = IdxFiles.images(n, 1 + r.nextInt(6), 1 + r.nextInt(6), IdxReader.IMAGES_MAGIC);
    byte[] labels = IdxFiles.labels(n, IdxReader.LABELS_MAGIC);
    StringBuilder how = new StringBuilder();
    int which = r.nextInt(3); // 0: images mutated, 1: labels, 2: both
    if (which != 1) {
      images = mutate(images, 4, r, how.append("images:"));
    }
    if (which != 0) {
      labels = mutate(labels, 2, r, how.append(" labels:"));
    }
    boolean gzImages = r.nextInt(5) == 0;
    boolean gzLabels = r.nextInt(5) == 0;
    Path imageFile = write("img-" + c + (gzImages ? ".gz" : ""), images, gzImages, r, how);
    Path labelFile = write("lbl-" + c + (gzLabels ? ".gz" : ""), labels, gzLabels, r, how);
    Attempt a = attempt(() -> IdxReader.read(imageFile, labelFile, 10), how, outcomes);
    if (a.read() == null) {
      return a.failure();
    }
    ImageSet read = a.read();
    byte[] img = decoded(imageFile);
    byte[] lbl = decoded(labelFile);
    ByteBuffer ib = ByteBuffer.wrap(img);
    ByteBuffer lb = ByteBuffer.wrap(lbl);
    int count = ib.getInt(4);
    int rows = ib.getInt(8);
    int cols = ib.getInt(12);
    boolean valid = ib.getInt(0) == IdxReader.IMAGES_MAGIC && lb.getInt(0) == IdxReader.LABELS_MAGIC && count > 0
        && rows > 0 && cols > 0 && img.length == 16 + (long) count * rows * cols && lb.getInt(4) == count
        && lbl.length == 8 + count;
    for (int i = 8; valid && i < lbl.length; i++) {
      valid = (lbl[i] & 0xFF) < 10;
    }
    if (!valid) {
      return how + ": read although the bytes are not a valid IDX pair";
    }
    try {
      assertEquals(List.of(1, rows, cols, count), List.of(read.channels(), read.height(), read.width(), read.size()));
      assertArrayEquals(Arrays.copyOfRange(img, 16, img.length), read.pixels());
      for (int i = 0; i < count; i++) {
        assertEquals(lbl[8 + i] & 0xFF, read.labels()[i]);
      }
    } catch (AssertionError e) {
      return how + ": read differs from the bytes: " + e.getMessage();
    }
    return null;
  }

  private String cifarCase(Random r, int c, int[] outcomes) throws IOException {
    int records = 1 + r.nextInt(3);
    byte[] bytes = new byte[records * Cifar10Reader.RECORD];
    r.nextBytes(bytes);
    for (int i = 0; i < records; i++) {
      bytes[i * Cifar10Reader.RECORD] = (byte) r.nextInt(10);
    }
    StringBuilder how = new StringBuilder("cifar:");
    bytes = mutate(bytes, 0, r, how);
    Path file = Files.write(dir.resolve("cifar-" + c + ".bin"), bytes);
    Attempt a = attempt(() -> Cifar10Reader.read(List.of(file)), how, outcomes);
    if (a.read() == null) {
      return a.failure();
    }
    ImageSet read = a.read();
    boolean valid = bytes.length > 0 && bytes.length % Cifar10Reader.RECORD == 0;
    for (int i = 0; valid && i < bytes.length; i += Cifar10Reader.RECORD) {
      valid = (bytes[i] & 0xFF) < 10;
    }
    if (!valid || read.size() != bytes.length / Cifar10Reader.RECORD) {
      return how + ": read " + read.size() + " records from " + bytes.length + " bytes";
    }
    for (int i = 0; i < read.size(); i++) {
      int at = i * Cifar10Reader.RECORD;
      if (read.labels()[i] != bytes[at] || !Arrays.equals(read.pixels(), i * (Cifar10Reader.RECORD - 1),
          (i + 1) * (Cifar10Reader.RECORD - 1), bytes, at + 1, at + Cifar10Reader.RECORD)) {
        return how + ": record " + i + " differs from the bytes";
      }
    }
    return null;
  }

  /** One to three random mutations; {@code headerInts}: how many leading big-endian ints are header fields. */
  private static byte[] mutate(byte[] b, int headerInts, Random r, StringBuilder how) {
    int k = r.nextInt(3); // none: the file as written
    for (int m = 0; m < k; m++) {
      int op = r.nextInt(headerInts > 0 ? 8 : 7);
      switch (op) {
        case 6 -> { // flipped bytes after the header: pixels and labels, still a well-formed file
          for (int i = 0, flips = 1 + r.nextInt(8); i < flips && b.length > 4 * headerInts + 1; i++) {
            b[4 * headerInts + r.nextInt(b.length - 4 * headerInts)] ^= (byte) (1 + r.nextInt(255));
          }
          how.append(" body-flip");
        }
        case 0 -> { // flipped bytes anywhere
          for (int i = 0, flips = 1 + r.nextInt(8); i < flips && b.length > 0; i++) {
            b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
          }
          how.append(" flip");
        }
        case 1 -> { // truncated
          b = Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
          how.append(" truncate@").append(b.length);
        }
        case 2 -> { // bytes appended
          byte[] extra = new byte[1 + r.nextInt(64)];
          r.nextBytes(extra);
          byte[] out = Arrays.copyOf(b, b.length + extra.length);
          System.arraycopy(extra, 0, out, b.length, extra.length);
          b = out;
          how.append(" append").append(extra.length);
        }
        case 3 -> { // random content
          b = new byte[r.nextInt(200)];
          r.nextBytes(b);
          how.append(" random").append(b.length);
        }
        case 4 -> { // empty
          b = new byte[0];
          how.append(" empty");
        }
        case 5 -> { // one byte changed to an extreme
          if (b.length > 0) {
            b[r.nextInt(b.length)] = (byte) (r.nextBoolean() ? 0xFF : 0);
          }
          how.append(" extreme-byte");
        }
        default -> { // a header field (count, rows, cols, magic) set to an extreme or random value
          int field = r.nextInt(headerInts);
          int value = r.nextBoolean() ? EXTREMES[r.nextInt(EXTREMES.length)] : r.nextInt();
          if (b.length >= 4 * field + 4) {
            ByteBuffer.wrap(b).putInt(4 * field, value);
          }
          how.append(" field").append(field).append('=').append(value);
        }
      }
    }
    return b;
  }

  /** Writes the file, gzip-compressed when asked, its gzip stream sometimes damaged. */
  private Path write(String name, byte[] bytes, boolean gzip, Random r, StringBuilder how) throws IOException {
    if (!gzip) {
      return Files.write(dir.resolve(name), bytes);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    byte[] z = out.toByteArray();
    switch (r.nextInt(3)) {
      case 0 -> {
        z[2 + r.nextInt(z.length - 2)] ^= (byte) (1 + r.nextInt(255));
        how.append(" gz-flip");
      }
      case 1 -> {
        z = Arrays.copyOf(z, 2 + r.nextInt(z.length - 2));
        how.append(" gz-truncate");
      }
      default -> how.append(" gz");
    }
    return Files.write(dir.resolve(name), z);
  }

  /** The file's content, decompressed as the reader would (tells gzip by its first two bytes). */
  private static byte[] decoded(Path file) throws IOException {
    byte[] raw = Files.readAllBytes(file);
    if (raw.length >= 2 && (raw[0] & 0xFF) == 0x1f && (raw[1] & 0xFF) == 0x8b) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
        return in.readAllBytes();
      }
    }
    return raw;
  }

  /** What a reader gave: a set, or no set and what was wrong with its error (null: a clear one). */
  private record Attempt(ImageSet read, String failure) {}

  /** Runs the reader; counts clear errors ({@code outcomes[0]}) and reads ({@code outcomes[1]}). */
  private Attempt attempt(java.util.function.Supplier<ImageSet> reader, CharSequence how, int[] outcomes) {
    try {
      ImageSet read = reader.get();
      outcomes[1]++;
      return new Attempt(read, null);
    } catch (DataFormatError e) {
      outcomes[0]++;
      return new Attempt(null, namesAFile(e, how));
    } catch (Throwable t) {
      return new Attempt(null, how + ": " + t);
    }
  }

  private String namesAFile(DataFormatError e, CharSequence how) {
    String m = e.getMessage();
    return m != null && m.contains(dir.toString()) ? null : how + ": the error names no file: " + m;
  }
}
