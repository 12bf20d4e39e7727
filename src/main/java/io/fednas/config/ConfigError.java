package io.fednas.config;

/** A configuration that cannot run: the message names the key, the value and what is allowed. */
public final class ConfigError extends io.fednas.FedNasException {
  public ConfigError(String message) {
    super(message);
  }
}
