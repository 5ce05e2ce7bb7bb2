package io.edgegate.optimizer.impl;

/** A recipe could not produce its variant; the message says which recipe, which model and why. */
public class RecipeException extends Exception {
    private static final long serialVersionUID = 1L;

    public RecipeException(String message) {
        super(message);
    }

    public RecipeException(String message, Throwable cause) {
        super(message, cause);
    }
}
