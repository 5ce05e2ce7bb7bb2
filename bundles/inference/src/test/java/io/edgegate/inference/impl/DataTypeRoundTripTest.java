package io.edgegate.inference.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import io.edgegate.inference.InferenceRequest;
import io.edgegate.inference.InferenceResponse;
import io.edgegate.inference.ModelStatus;
import io.edgegate.model.DataType;
import io.edgegate.model.Tensor;
import io.edgegate.model.TensorSpec;
import io.edgegate.testkit.OnnxModelBuilder;

/** Every datatype the gateway serves goes through an Identity model bit for bit. */
class DataTypeRoundTripTest {
    private static final long[] SHAPE = {2, 3};

    enum Case {
        FP32(DataType.FP32, OnnxModelBuilder.FLOAT, b -> b.putFloat(1.5f).putFloat(-2.25f).putFloat(3.4e38f)
                .putFloat(0f).putFloat(-0f).putFloat(1e-3f)),
        FP16(DataType.FP16, OnnxModelBuilder.FLOAT16, b -> b.putShort((short) 0x3E00).putShort((short) 0xC000)
                .putShort((short) 0x7BFF).putShort((short) 0).putShort((short) 0x8000).putShort((short) 0x3C00)),
        INT64(DataType.INT64, OnnxModelBuilder.INT64, b -> b.putLong(Long.MIN_VALUE).putLong(Long.MAX_VALUE)
                .putLong(0).putLong(-1).putLong(1L << 40).putLong(42)),
        INT32(DataType.INT32, OnnxModelBuilder.INT32, b -> b.putInt(Integer.MIN_VALUE).putInt(Integer.MAX_VALUE)
                .putInt(0).putInt(-1).putInt(1 << 20).putInt(42)),
        INT8(DataType.INT8, OnnxModelBuilder.INT8, b -> b.put(new byte[] {-128, 127, 0, -1, 5, 42})),
        UINT8(DataType.UINT8, OnnxModelBuilder.UINT8, b -> b.put(new byte[] {0, (byte) 255, (byte) 128, 1, 7, 42})),
        BOOL(DataType.BOOL, OnnxModelBuilder.BOOL, b -> b.put(new byte[] {1, 0, 1, 1, 0, 0}));

        final DataType type;
        final int onnxType;
        final java.util.function.Consumer<ByteBuffer> fill;

        Case(DataType type, int onnxType, java.util.function.Consumer<ByteBuffer> fill) {
            this.type = type;
            this.onnxType = onnxType;
            this.fill = fill;
        }

        Tensor tensor(String name) {
            ByteBuffer b = ByteBuffer.allocate(6 * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
            fill.accept(b);
            return new Tensor(name, type, SHAPE, b.flip());
        }
    }

    @TempDir
    Path home;
    Path root;

    @BeforeEach
    void modelsFolder() {
        root = home.resolve("models");
    }
    private OnnxInferenceService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.deactivate();
        }
    }

    private static byte[] bytes(Tensor t) {
        ByteBuffer b = t.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void identityReturnsTheSameTensor(Case c) throws Exception {
        String suffix = c.name().toLowerCase(Locale.ROOT);
        new OnnxModelBuilder()
                .input("x_" + suffix, c.onnxType, -1, 3)
                .output("y_" + suffix, c.onnxType, -1, 3)
                .node("Identity", List.of("x_" + suffix), List.of("y_" + suffix))
                .write(Gateways.version(root, "identity", 1).resolve("model.onnx"));
        service = Gateways.start(root);

        ModelStatus status = service.model("identity", 1L);
        assertEquals(ModelStatus.State.READY, status.state(), () -> "ONNX Runtime refused the "
                + c + " model: " + status.reason().orElse(""));
        assertEquals(List.of(new TensorSpec("x_" + suffix, c.type, new long[] {-1, 3})), status.inputs());

        Tensor in = c.tensor("x_" + suffix);
        InferenceResponse r = service.infer(InferenceRequest.of("identity", List.of(in)));

        assertEquals(1, r.outputs().size());
        Tensor out = r.output("y_" + suffix).orElseThrow();
        assertEquals(c.type, out.datatype());
        assertArrayEquals(SHAPE, out.shape());
        assertArrayEquals(bytes(in), bytes(out));
    }
}
