package io.edgegate.accelerator.spi;

/**
 * What a model asks of its session. {@code 0} thread counts leave the choice to the provider.
 *
 * @param intraOpThreads threads used inside one operator, or 0
 * @param interOpThreads threads used across operators, or 0
 */
public record SessionSettings(int intraOpThreads, int interOpThreads) {
    public SessionSettings {
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must not be negative");
        }
    }
}
