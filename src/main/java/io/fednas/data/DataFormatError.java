package io.fednas.data;

import io.fednas.FedNasException;

/** A dataset file that is missing or malformed; the message names the file and the byte offset. */
public final class DataFormatError extends FedNasException {
  public DataFormatError(String message) {
    super(message);
  }
}
