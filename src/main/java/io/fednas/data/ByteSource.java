package io.fednas.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Sequential reading of a dataset file, plain or gzip (told by its first two bytes), that keeps
 * the byte offset so every error can say where the file went wrong.
 */
final class ByteSource implements AutoCloseable {
  private static final int FIRST_CHUNK = 1 << 20;
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
    fill(dst, at, n, offset, n, what);
    offset += n;
  }

  /**
   * Reads exactly {@code n} bytes, or fails naming the offset. The buffer grows with what the file
   * really holds, so a header that claims more than the file has cannot exhaust the heap.
   */
  byte[] readBytes(int n, String what) {
    long heap = Runtime.getRuntime().maxMemory();
    if (n > heap / 2) {
      throw new DataFormatError(file + ": " + what + " at byte offset " + offset + " take " + n + " bytes, more than half "
          + "of this JVM's heap (" + heap + " bytes): check the header, or give the driver more memory");
    }
    byte[] buf = new byte[Math.min(n, FIRST_CHUNK)];
    int done = 0;
    while (done < n) {
      if (done == buf.length) {
        buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
      }
      fill(buf, done, buf.length - done, offset, n, what);
      done = buf.length;
    }
    offset += n;
    return buf;
  }

  /** Fills dst[at, at+len) from the stream; {@code start} and {@code total}: the whole read, for errors. */
  private void fill(byte[] dst, int at, int len, long start, long total, String what) {
    int done = 0;
    long before = start + at;
    try {
      while (done < len) {
        int r = in.read(dst, at + done, len - done);
        if (r < 0) {
          throw new DataFormatError(file + ": truncated at byte offset " + (before + done)
              + " while reading " + what + " (" + total + " bytes expected from offset " + start + ")");
        }
        done += r;
      }
    } catch (IOException e) {
      throw new DataFormatError(file + ": read error at byte offset " + (before + done) + ": " + e.getMessage());
    }
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
      throw new DataFormatError(file + ": read error at byte offset " + offset + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // everything needed was read: a failing close loses nothing
    }
  }
}
