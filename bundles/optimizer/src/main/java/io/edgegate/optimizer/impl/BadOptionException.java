package io.edgegate.optimizer.impl;

/** A recipe refused its options: an unknown name, or a value of the wrong form. */
public final class BadOptionException extends RecipeException {
    private static final long serialVersionUID = 1L;

    public BadOptionException(String message) {
        super(message);
    }
}
