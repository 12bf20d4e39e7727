package io.fednas;

/**
 * An error the user can fix (bad config, missing or malformed data, unusable output directory).
 * The job prints its message alone, without a stack trace, and exits with status 2.
 */
public class FedNasException extends RuntimeException {
  public FedNasException(String message) {
    super(message);
  }

  public FedNasException(String message, Throwable cause) {
    super(message, cause);
  }
}
