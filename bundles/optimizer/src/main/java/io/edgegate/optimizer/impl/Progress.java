package io.edgegate.optimizer.impl;

/** Where a recipe stands, for a status line: {@code fraction} from 0 to 1 and a short message. */
@FunctionalInterface
public interface Progress {

    /** Discards every report. */
    Progress NONE = (fraction, message) -> {
    };

    void report(double fraction, String message);
}
