package io.fednas.app;

import io.fednas.FedNasException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A standalone cluster's shared secret, for a driver with spark.authenticate on: read from the file
 * that FEDNAS_SPARK_SECRET_FILE names (only its owner may read it) or from FEDNAS_SPARK_SECRET, never
 * from the run config or a command line, where other users or the run's outputs would see it. On YARN
 * and Kubernetes Spark makes each application its own secret, so none is needed there.
 */
final class ClusterSecret {
  static final String FILE_ENV = "FEDNAS_SPARK_SECRET_FILE";
  static final String VALUE_ENV = "FEDNAS_SPARK_SECRET";
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private ClusterSecret() {}

  /** The secret, from {@code env}; an error that says where to put it when there is none. */
  static String read(Map<String, String> env, String master) {
    String file = env.get(FILE_ENV);
    if (file != null && !file.isEmpty()) {
      return fromFile(Path.of(file));
    }
    String value = env.get(VALUE_ENV);
    if (value != null && !value.isEmpty()) {
      return value;
    }
    throw new FedNasException("spark.authenticate is on and the standalone master " + master + " needs the cluster's "
        + "shared secret: set " + FILE_ENV + " to a file only you can read that holds it (or give it in " + VALUE_ENV
        + "); on a trusted single-user cluster submit with --conf fednas.security=off");
  }

  private static String fromFile(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new FedNasException(FILE_ENV + ": secret file not found: " + file);
      }
      if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        perms.retainAll(OTHERS);
        if (!perms.isEmpty()) {
          throw new FedNasException("secret file " + file + " can be read or written by other users (" + perms
              + "): chmod 600 " + file);
        }
      }
      String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (secret.isEmpty()) {
        throw new FedNasException("secret file " + file + " is empty");
      }
      return secret;
    } catch (IOException e) {
      throw new FedNasException("cannot read the secret file " + file + ": " + e.getMessage(), e);
    }
  }
}
