package io.fednas.report;

import io.fednas.FedNasException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A run's output folder. Every file is written to a temporary name and renamed into place, so a
 * reader never sees half a file; summary.json is written last, so a run without one (or with
 * status "failed") is visibly incomplete.
 */
public final class RunDirectory {
  private final Path root;

  private RunDirectory(Path root) {
    this.root = root;
  }

  /** Creates (or, with overwrite, empties) the folder; refuses a non-empty one otherwise. */
  public static RunDirectory prepare(Path root, boolean overwrite) {
    try {
      if (Files.exists(root) && !Files.isDirectory(root)) {
        throw new FedNasException("output.dir " + root + " exists and is not a directory");
      }
      if (Files.isDirectory(root) && !isEmpty(root)) {
        if (!overwrite) {
          throw new FedNasException("output.dir " + root + " already exists and is not empty: choose another "
              + "output.dir, or set output.overwrite=true to replace it");
        }
        deleteContents(root);
      }
      Files.createDirectories(root);
      return new RunDirectory(root);
    } catch (IOException e) {
      throw new FedNasException("cannot create output.dir " + root + ": " + e.getMessage(), e);
    }
  }

  /** A folder that already holds other results (a comparison's runs): created if missing, never emptied. */
  public static RunDirectory existing(Path root) {
    try {
      Files.createDirectories(root);
      return new RunDirectory(root);
    } catch (IOException e) {
      throw new FedNasException("cannot create " + root + ": " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  public Path resolve(String name) {
    return root.resolve(name);
  }

  public void writeString(String name, String text) {
    write(name, text.getBytes(StandardCharsets.UTF_8));
  }

  public void write(String name, byte[] bytes) {
    try {
      Path tmp = root.resolve("." + name + ".tmp");
      Files.write(tmp, bytes);
      moveIntoPlace(tmp, root.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + root.resolve(name), e);
    }
  }

  /** Renames a finished temporary file or folder onto its final name. */
  public static void moveIntoPlace(Path tmp, Path target) throws IOException {
    if (Files.isDirectory(target)) {
      deleteContents(target);
      Files.delete(target);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  static void deleteContents(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(dir)) {
          Files.delete(p);
        }
      }
    }
  }
}
