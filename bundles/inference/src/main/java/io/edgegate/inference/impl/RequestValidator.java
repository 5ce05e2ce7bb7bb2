package io.edgegate.inference.impl;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.edgegate.inference.InferenceException;
import io.edgegate.inference.InferenceException.Reason;
import io.edgegate.inference.InferenceRequest;
import io.edgegate.model.Tensor;
import io.edgegate.model.TensorSpec;

/** Checks a request against a loaded model's inputs and outputs; every message names the tensor. */
final class RequestValidator {
    private RequestValidator() {
    }

    static void validate(InferenceRequest request, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs)
            throws InferenceException {
        Set<String> seen = new HashSet<>();
        for (Tensor t : request.inputs()) {
            TensorSpec spec = inputs.get(t.name());
            if (spec == null) {
                throw invalid("unknown input '" + t.name() + "'; the model takes " + inputs.keySet());
            }
            if (!seen.add(t.name())) {
                throw invalid("input '" + t.name() + "' is given twice");
            }
            if (t.datatype() != spec.datatype()) {
                throw invalid("input '" + t.name() + "' has datatype " + t.datatype() + ", the model expects "
                        + spec.datatype());
            }
            if (TensorConversion.javaType(t.datatype()) == null) {
                throw invalid("input '" + t.name() + "': datatype " + t.datatype() + " is not supported");
            }
            if (!spec.accepts(t.shape())) {
                throw invalid("input '" + t.name() + "' has shape " + Arrays.toString(t.shape())
                        + ", the model expects " + describe(spec.shape()));
            }
        }
        for (String name : inputs.keySet()) {
            if (!seen.contains(name)) {
                throw invalid("missing input '" + name + "'; the model takes " + inputs.keySet());
            }
        }
        List<String> wanted = request.outputs();
        Set<String> seenOutputs = new HashSet<>();
        for (String name : wanted) {
            if (!outputs.containsKey(name)) {
                throw invalid("unknown output '" + name + "'; the model gives " + outputs.keySet());
            }
            if (!seenOutputs.add(name)) {
                throw invalid("output '" + name + "' is requested twice");
            }
        }
    }

    static String describe(long[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            b.append(i > 0 ? ", " : "").append(shape[i] < 0 ? "any" : Long.toString(shape[i]));
        }
        return b.append(']').toString();
    }

    private static InferenceException invalid(String message) {
        return new InferenceException(Reason.INVALID_INPUT, message);
    }
}
