package io.fednas.config;

/** A config value chosen from a closed set: each constant has the spelling the config uses. */
interface Choice {
  /** How the config spells this choice. */
  String key();

  /** The constant of {@code type} spelled {@code key}, or null. */
  static <E extends Enum<E> & Choice> E parse(Class<E> type, String key) {
    for (E e : type.getEnumConstants()) {
      if (e.key().equals(key)) {
        return e;
      }
    }
    return null;
  }
}
