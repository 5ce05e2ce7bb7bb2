package io.edgegate.itests;

import java.util.List;

/** The identity model of every datatype the HTTP protocol must carry: suffix, ONNX type, OIP name, data. */
final class TypesModel {
    static final List<Object[]> TYPES = List.of(
            new Object[] {"fp32", 1, "FP32", "[1.5,-2.25,3.0E-7]"},
            new Object[] {"fp16", 10, "FP16", "[1.5,-2.25,0.0]"},
            new Object[] {"int64", 7, "INT64", "[9007199254740993,-1,0]"},
            new Object[] {"int32", 6, "INT32", "[2147483647,-2147483648,7]"},
            new Object[] {"int8", 3, "INT8", "[127,-128,0]"},
            new Object[] {"uint8", 2, "UINT8", "[255,0,17]"},
            new Object[] {"bool", 9, "BOOL", "[true,false,true]"});

    private TypesModel() {
    }

    static Object[] bySuffix(String suffix) {
        return TYPES.stream().filter(t -> t[0].equals(suffix)).findFirst()
                .orElseThrow(() -> new AssertionError("unexpected output y_" + suffix));
    }
}
