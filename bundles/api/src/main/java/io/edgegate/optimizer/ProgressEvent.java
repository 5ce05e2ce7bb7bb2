package io.edgegate.optimizer;

/**
 * How far an optimization got.
 *
 * @param fraction from 0 to 1
 * @param message what it is doing, for a status line ("calibrating", "comparing outputs 4/20")
 */
public record ProgressEvent(double fraction, String message) {
}
