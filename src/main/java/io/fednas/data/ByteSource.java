package io.fednas.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Sequential reading of a dataset file, plain or gzip (told by its first two bytes), that keeps
 * the byte offset so every error can say where the file went wrong.
 */
final class ByteSource implements AutoCloseable {
  private final Path file;
  private final InputStream in;
  private long offset;

  private ByteSource(Path file, InputStream in) {
    this.file = file;
    this.in = in;
  }

  static ByteSource open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatError("dataset file not found: " + file);
    }
    try {
      InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
      return new ByteSource(file, in);
    } catch (IOException e) {
      throw new DataFormatError("cannot read dataset file " + file + ": " + e.getMessage());
    }
  }

  Path file() {
    return file;
  }

  long offset() {
    return offset;
  }

  /** Reads exactly {@code n} bytes into {@code dst} at {@code at}, or fails naming the offset. */
  void readFully(byte[] dst, int at, int n, String what) {
    int done = 0;
    try {
      while (done < n) {
        int r = in.read(dst, at + done, n - done);
        if (r < 0) {
          throw new DataFormatError(file + ": truncated at byte offset " + (offset + done)
              + " while reading " + what + " (" + n + " bytes expected from offset " + offset + ")");
        }
        done += r;
      }
    } catch (IOException e) {
      throw new DataFormatError(file + ": read error at byte offset " + (offset + done) + ": " + e.getMessage());
    }
    offset += n;
  }

  int readInt(String what) {
    byte[] b = new byte[4];
    readFully(b, 0, 4, what);
    return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
  }

  /** True when nothing is left (used to reject trailing garbage). */
  boolean atEnd() {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
