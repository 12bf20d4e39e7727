package io.fednas.report;

import io.fednas.FedNasException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code SHA256SUMS} in a run directory: the SHA-256 of the files another run reads back (the final
 * model and its architecture), recorded when they are written and checked before they are used.
 * The format is coreutils' ({@code sha256sum -c SHA256SUMS} checks it by hand).
 */
public final class Checksums {
  public static final String FILE = "SHA256SUMS";

  private Checksums() {}

  /** Records the SHA-256 of each named file of the run directory (written there already). */
  public static Map<String, String> record(RunDirectory dir, List<String> names) {
    Map<String, String> sums = new LinkedHashMap<>();
    StringBuilder text = new StringBuilder();
    for (String name : names) {
      String sum = sha256(dir.resolve(name));
      sums.put(name, sum);
      text.append(sum).append("  ").append(name).append('\n');
    }
    dir.writeString(FILE, text.toString());
    return sums;
  }

  /**
   * Checks each named file of {@code dir} against SHA256SUMS; {@code what} starts every error (the
   * config key that named the directory). A missing SHA256SUMS, or a file it does not list, is an error too.
   */
  public static void verify(Path dir, List<String> names, String what) {
    Path sumsFile = dir.resolve(FILE);
    if (!Files.isRegularFile(sumsFile)) {
      throw new FedNasException(what + ": no " + FILE + " to check " + String.join(" and ", names) + " against (written "
          + "by every run since checksums were added). If you trust these files, record their sums with: (cd " + dir
          + " && sha256sum " + String.join(" ", names) + " > " + FILE + ")");
    }
    Map<String, String> recorded = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(sumsFile, StandardCharsets.UTF_8)) {
        if (line.length() > 66 && line.substring(64, 66).matches("  | \\*")) {
          recorded.put(line.substring(66), line.substring(0, 64).toLowerCase());
        }
      }
    } catch (IOException e) {
      throw new FedNasException(what + ": cannot read " + sumsFile + ": " + e.getMessage(), e);
    }
    for (String name : names) {
      String expected = recorded.get(name);
      if (expected == null) {
        throw new FedNasException(what + ": " + sumsFile + " has no checksum for " + name);
      }
      String actual = sha256(dir.resolve(name));
      if (!actual.equals(expected)) {
        throw new FedNasException(what + ": " + dir.resolve(name) + " is damaged or was changed: its SHA-256 is "
            + actual + ", not the " + expected + " recorded in " + FILE + " when it was written");
      }
    }
  }

  /** The SHA-256 of a file, as 64 lower-case hex digits. */
  public static String sha256(Path file) {
    MessageDigest sha = digest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new FedNasException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** A fresh SHA-256 digest. */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
