package io.fednas.checkpoint;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fednas.FedNasException;
import io.fednas.federated.PrimitiveBytes;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code checkpoint.bin} in a run directory: one JSON document,
 * {@code {"format": "fednas-checkpoint", "version": 3, "state": {...}}}, where {@code state} is a
 * {@link RunState} with its records' components as fields, float arrays (weights) as base64 of their
 * little-endian float32 bytes, and NaN as the string "NaN" (docs/CHECKPOINTS.md). A file of another
 * version is refused with both versions named. Written to a temporary file, flushed to disk, then
 * renamed over the previous one, so the file on disk is always a complete checkpoint, whenever the
 * driver dies.
 */
public final class CheckpointFile {
  public static final String NAME = "checkpoint.bin";
  static final String FORMAT = "fednas-checkpoint";
  /** Raised whenever what a checkpoint holds changes; the format test's field list changes with it. */
  public static final int VERSION = 3;
  /** Versions 1 and 2 were Java serialization: a stream that opens with these bytes, then the format name. */
  private static final byte[] JAVA_SERIALIZATION = {(byte) 0xAC, (byte) 0xED};

  static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new SimpleModule("weights").addSerializer(float[].class, new FloatsAsBase64())
          .addDeserializer(float[].class, new FloatsFromBase64()))
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private CheckpointFile() {}

  public static void write(Path runDir, RunState state) {
    Path target = runDir.resolve(NAME);
    Path tmp = runDir.resolve("." + NAME + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
          g.writeStartObject();
          g.writeStringField("format", FORMAT);
          g.writeNumberField("version", VERSION);
          g.writeFieldName("state");
          JSON.writeValue(g, state);
          g.writeEndObject();
          g.flush();
          ch.force(true);
        }
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

  /** Reads the run's checkpoint; a missing, foreign, older or damaged file is an error that names it. */
  public static RunState read(Path runDir) {
    Path file = runDir.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      throw new FedNasException("no checkpoint to resume from: " + file + " does not exist (the run stopped before "
          + "its first checkpoint, or checkpoint.everyRounds = 0)");
    }
    JsonNode doc;
    try {
      byte[] bytes = Files.readAllBytes(file);
      if (bytes.length >= 2 && bytes[0] == JAVA_SERIALIZATION[0] && bytes[1] == JAVA_SERIALIZATION[1]) {
        throw olderVersion(file, "1 or 2 (Java serialization)");
      }
      doc = JSON.readTree(bytes);
    } catch (IOException e) {
      throw damaged(file, e.getMessage(), e);
    }
    if (doc == null || !FORMAT.equals(doc.path("format").asText())) {
      throw new FedNasException(file + " is not a FedNAS-Spark checkpoint (no \"format\": \"" + FORMAT + "\")");
    }
    int version = doc.path("version").asInt(-1);
    if (version != VERSION) {
      throw version < VERSION ? olderVersion(file, String.valueOf(version)) : new FedNasException(file
          + " is a checkpoint of format version " + version + ", written by a newer FedNAS-Spark; this one reads version "
          + VERSION + " only: resume it with the version that wrote it");
    }
    try {
      return JSON.treeToValue(doc.path("state"), RunState.class);
    } catch (IOException | IllegalArgumentException e) {
      throw damaged(file, e.getMessage(), e);
    }
  }

  private static FedNasException olderVersion(Path file, String version) {
    return new FedNasException(file + " is a checkpoint of format version " + version + "; this FedNAS-Spark reads "
        + "version " + VERSION + " only. Resume it with the version that wrote it, or start the run again");
  }

  private static FedNasException damaged(Path file, String why, Exception cause) {
    return new FedNasException("the checkpoint " + file + " cannot be read (" + why.lines().findFirst().orElse(why)
        + "): it is damaged or truncated", cause);
  }

  public static void delete(Path runDir) {
    try {
      Files.deleteIfExists(runDir.resolve(NAME));
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
