package io.fednas.checkpoint;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fednas.FedNasException;
import io.fednas.federated.PrimitiveBytes;
import io.fednas.report.Checksums;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code checkpoint.bin} in a run directory: one JSON document,
 * {@code {"format": "fednas-checkpoint", "version": 6, "state": {...}, "sha256": "..."}}, where
 * {@code state} is a {@link RunState} with its records' components as fields, float arrays (weights)
 * as base64 of their little-endian float32 bytes, and NaN as the string "NaN", and {@code sha256} is
 * the SHA-256 of every byte before it (docs/CHECKPOINTS.md). A file of another version, one whose
 * checksum does not match and a truncated one are each refused, naming the file and what failed.
 *
 * <p>Written to a temporary file and flushed to disk; the checkpoint it replaces becomes the previous
 * generation ({@code checkpoint.previous.bin}), so a resume whose newest checkpoint is damaged can
 * fall back one generation and still end exactly as an uninterrupted run would.
 */
public final class CheckpointFile {
  public static final String NAME = "checkpoint.bin";
  /** The generation before the newest: what a resume falls back to when the newest is damaged. */
  public static final String PREVIOUS = "checkpoint.previous.bin";
  /** Where a damaged newest checkpoint is moved when a resume falls back, kept for inspection. */
  public static final String DAMAGED = "checkpoint.damaged.bin";
  static final String FORMAT = "fednas-checkpoint";
  /** Raised whenever what a checkpoint holds changes; the format test's field list changes with it. */
  public static final int VERSION = 8;
  /** Versions 1 and 2 were Java serialization: a stream that opens with these bytes, then the format name. */
  private static final byte[] JAVA_SERIALIZATION = {(byte) 0xAC, (byte) 0xED};
  private static final byte[] HEAD = ("{\"format\":\"" + FORMAT + "\",\"version\":" + VERSION + ",\"state\":")
      .getBytes(StandardCharsets.US_ASCII);
  /** The file ends with exactly this: the SHA-256 of every byte before it, in 64 hex digits. */
  private static final Pattern TRAILER = Pattern.compile(",\"sha256\":\"([0-9a-f]{64})\"}");
  private static final int TRAILER_LENGTH = ",\"sha256\":\"\"}".length() + 64;

  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new SimpleModule("weights").addSerializer(float[].class, new FloatsAsBase64())
          .addDeserializer(float[].class, new FloatsFromBase64()))
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

  private CheckpointFile() {}

  /** The state a resume starts from, and the line that says it fell back a generation (null when it did not). */
  public record Resumed(RunState state, String fallback) {}

  public static void write(Path runDir, RunState state) {
    Path target = runDir.resolve(NAME);
    Path tmp = runDir.resolve("." + NAME + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        MessageDigest sha = Checksums.digest();
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
        OutputStream hashed = new DigestOutputStream(out, sha);
        hashed.write(HEAD);
        JSON.writeValue(hashed, state);
        hashed.flush();
        String sum = HexFormat.of().formatHex(sha.digest());
        out.write((",\"sha256\":\"" + sum + "\"}").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ch.force(true);
      }
      if (Files.isRegularFile(target)) {
        moveOver(target, runDir.resolve(PREVIOUS));
      }
      moveOver(tmp, target);
      syncDirectory(runDir);
    } catch (IOException e) {
      throw new FedNasException("cannot write the checkpoint " + target + ": " + e.getMessage(), e);
    }
  }

  public static boolean exists(Path runDir) {
    return Files.isRegularFile(runDir.resolve(NAME)) || Files.isRegularFile(runDir.resolve(PREVIOUS));
  }

  /** Reads the run's newest checkpoint; a missing, foreign, older or damaged file is an error that names it. */
  public static RunState read(Path runDir) {
    Path file = runDir.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      throw new FedNasException("no checkpoint to resume from: " + file + " does not exist (the run stopped before "
          + "its first checkpoint, or checkpoint.everyRounds = 0)");
    }
    return readFile(file);
  }

  /**
   * What a resume starts from: the newest checkpoint, or, when it is missing or damaged and the
   * previous generation reads, that one; the damaged file is then moved to {@link #DAMAGED}. When
   * neither reads, the error names what failed in each; nothing is moved.
   */
  public static Resumed readForResume(Path runDir) {
    Path newest = runDir.resolve(NAME);
    Path previous = runDir.resolve(PREVIOUS);
    try {
      return new Resumed(read(runDir), null);
    } catch (FedNasException newestFailed) {
      if (!Files.isRegularFile(previous)) {
        throw newestFailed;
      }
      RunState older;
      try {
        older = readFile(previous);
      } catch (FedNasException e) {
        throw new FedNasException(newestFailed.getMessage() + "; the previous generation cannot be used either: "
            + e.getMessage(), newestFailed);
      }
      String why = firstLine(newestFailed.getMessage());
      if (Files.isRegularFile(newest)) {
        try {
          moveOver(newest, runDir.resolve(DAMAGED));
        } catch (IOException e) {
          throw new FedNasException("cannot move the damaged checkpoint " + newest + " aside: " + e.getMessage(), e);
        }
        why += " (kept as " + DAMAGED + ")";
      }
      return new Resumed(older, why + "; resuming from the previous generation, " + PREVIOUS + ", after round "
          + older.lastRound());
    }
  }

  private static RunState readFile(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new FedNasException("cannot read the checkpoint " + file + ": " + e.getMessage(), e);
    }
    if (bytes.length >= 2 && bytes[0] == JAVA_SERIALIZATION[0] && bytes[1] == JAVA_SERIALIZATION[1]) {
      throw olderVersion(file, "1 or 2 (Java serialization)");
    }
    checkHeader(file, bytes);
    int body = bytes.length - TRAILER_LENGTH;
    Matcher trailer = body < 0 ? null
        : TRAILER.matcher(new String(bytes, body, TRAILER_LENGTH, StandardCharsets.ISO_8859_1));
    if (trailer == null || !trailer.matches()) {
      throw new FedNasException("the checkpoint " + file + " is truncated or damaged: it does not end with its "
          + "checksum (" + bytes.length + " bytes)");
    }
    MessageDigest sha = Checksums.digest();
    sha.update(bytes, 0, body);
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(trailer.group(1))) {
      throw new FedNasException("the checkpoint " + file + " is damaged: the SHA-256 of its first " + body
          + " bytes is " + actual + ", not the " + trailer.group(1) + " written with it");
    }
    try {
      return JSON.treeToValue(JSON.readTree(bytes).path("state"), RunState.class);
    } catch (IOException | IllegalArgumentException e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new FedNasException("the checkpoint " + file + " cannot be read (" + why.lines().findFirst().orElse(why)
          + ")", e);
    }
  }

  /** The format and version come first, so a file of another kind or version is named as such, whatever follows. */
  private static void checkHeader(Path file, byte[] bytes) {
    String firstField = null;
    String format = null;
    int version = -1;
    try (JsonParser p = JSON.getFactory().createParser(bytes)) {
      if (p.nextToken() == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME) {
        firstField = p.currentName();
        if (firstField.equals("format") && p.nextToken() == JsonToken.VALUE_STRING) {
          format = p.getText();
          if (p.nextToken() == JsonToken.FIELD_NAME && p.currentName().equals("version")
              && p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
            version = p.getIntValue();
          }
        }
      }
    } catch (IOException e) {
      // not even a JSON header: the checksum test says what is wrong
    }
    if (firstField != null && !firstField.equals("format") || format != null && !format.equals(FORMAT)) {
      throw new FedNasException(file + " is not a FedNAS-Spark checkpoint (no \"format\": \"" + FORMAT + "\")");
    }
    if (version >= 0 && version != VERSION) {
      throw version < VERSION ? olderVersion(file, String.valueOf(version)) : new FedNasException(file
          + " is a checkpoint of format version " + version + ", written by a newer FedNAS-Spark; this one reads version "
          + VERSION + " only: resume it with the version that wrote it");
    }
  }

  private static FedNasException olderVersion(Path file, String version) {
    return new FedNasException(file + " is a checkpoint of format version " + version + "; this FedNAS-Spark reads "
        + "version " + VERSION + " only. Resume it with the version that wrote it, or start the run again");
  }

  private static String firstLine(String message) {
    return message.lines().findFirst().orElse(message);
  }

  private static void moveOver(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The renames themselves reach the disk, not only the file's bytes. */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not every filesystem lets a directory be opened; the file's own bytes are on disk already
    }
  }

  /** Both generations, once the run's results are complete (a damaged file moved aside stays). */
  public static void delete(Path runDir) {
    try {
      Files.deleteIfExists(runDir.resolve(NAME));
      Files.deleteIfExists(runDir.resolve(PREVIOUS));
    } catch (IOException e) {
      // a left-over checkpoint of a completed run is harmless
    }
  }

  /** Weights as base64 of their float32 bytes: exact, and a third of the size of decimal text. */
  private static final class FloatsAsBase64 extends JsonSerializer<float[]> {
    @Override
    public void serialize(float[] v, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeBinary(PrimitiveBytes.of(v));
    }
  }

  private static final class FloatsFromBase64 extends JsonDeserializer<float[]> {
    @Override
    public float[] deserialize(JsonParser p, DeserializationContext c) throws IOException {
      return PrimitiveBytes.floats(p.getBinaryValue());
    }
  }
}
