package io.fednas.federated;

import io.fednas.model.Architecture;
import java.io.Serializable;

/** A model as the engine ships it: its architecture and its weights (DL4J's flat order). */
public record ModelState(Architecture arch, float[] weights) implements Serializable {}
