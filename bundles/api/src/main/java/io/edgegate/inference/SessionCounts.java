package io.edgegate.inference;

/**
 * How many ONNX Runtime sessions the service has created and closed since it started; {@code opened - closed}
 * sessions hold native memory now. After every swap has drained, that is one per serving version.
 *
 * @param opened sessions created
 * @param closed sessions closed
 */
public record SessionCounts(long opened, long closed) {
}
