/**
 * The typed, validated view of a run's HOCON configuration: {@code reference.conf} defaults, a run
 * file, and {@code key=value} overrides. Every problem is reported before any work, naming the key.
 */
package io.fednas.config;
