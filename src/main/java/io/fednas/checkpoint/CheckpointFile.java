package io.fednas.checkpoint;

import io.fednas.FedNasException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code checkpoint.bin} in a run directory: a {@link RunState} written to a temporary file,
 * flushed to disk, then renamed over the previous one, so the file on disk is always a complete
 * checkpoint, whenever the driver dies.
 */
public final class CheckpointFile {
  public static final String NAME = "checkpoint.bin";
  private static final String MAGIC = "fednas-checkpoint-2"; // 2: weights stored as bytes

  private CheckpointFile() {}

  public static void write(Path runDir, RunState state) {
    Path target = runDir.resolve(NAME);
    Path tmp = runDir.resolve("." + NAME + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream os = java.nio.channels.Channels.newOutputStream(ch);
        ObjectOutputStream out = new ObjectOutputStream(new BufferedOutputStream(os, 1 << 20));
        out.writeUTF(MAGIC);
        out.writeObject(state);
        out.flush();
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new FedNasException("cannot write the checkpoint " + target + ": " + e.getMessage(), e);
    }
  }

  public static boolean exists(Path runDir) {
    return Files.isRegularFile(runDir.resolve(NAME));
  }

  /** Reads the run's checkpoint; a missing, foreign or damaged file is an error that names it. */
  public static RunState read(Path runDir) {
    Path file = runDir.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      throw new FedNasException("no checkpoint to resume from: " + file + " does not exist (the run stopped before "
          + "its first checkpoint, or checkpoint.everyRounds = 0)");
    }
    try (InputStream is = Files.newInputStream(file);
        ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(is, 1 << 20))) {
      String magic = in.readUTF();
      if (!magic.equals(MAGIC)) {
        throw new FedNasException(file + " is not a checkpoint of this version (header '" + magic + "', expected '"
            + MAGIC + "')");
      }
      return (RunState) in.readObject();
    } catch (IOException | ClassNotFoundException | ClassCastException e) {
      throw new FedNasException("the checkpoint " + file + " cannot be read (" + e + "): it was written by another "
          + "version, or damaged", e);
    }
  }

  public static void delete(Path runDir) {
    try {
      Files.deleteIfExists(runDir.resolve(NAME));
    } catch (IOException e) {
      // a left-over checkpoint of a completed run is harmless
    }
  }
}
