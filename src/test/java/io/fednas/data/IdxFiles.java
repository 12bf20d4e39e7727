package io.fednas.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes IDX files in the real format, for tests. */
final class IdxFiles {
  private IdxFiles() {}

  static byte[] images(int n, int rows, int cols, int magic) {
    ByteBuffer b = ByteBuffer.allocate(16 + n * rows * cols);
    b.putInt(magic).putInt(n).putInt(rows).putInt(cols);
    for (int i = 0; i < n * rows * cols; i++) {
      b.put((byte) (i * 7));
    }
    return b.array();
  }

  static byte[] labels(int n, int magic) {
    ByteBuffer b = ByteBuffer.allocate(8 + n);
    b.putInt(magic).putInt(n);
    for (int i = 0; i < n; i++) {
      b.put((byte) (i % 10));
    }
    return b.array();
  }

  static Path write(Path file, byte[] bytes, boolean gzip) throws IOException {
    if (!gzip) {
      return Files.write(file, bytes);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return Files.write(file, out.toByteArray());
  }
}
