package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Small graphs with attributes, which the testkit's builder does not write, made with the generated ONNX classes.
 * A dimension of -1 is the symbolic "N".
 */
final class Graphs {
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");
    private final long opset;

    Graphs(long opset) {
        this.opset = opset;
    }

    Graphs input(String name, int type, long... shape) {
        graph.addInput(valueInfo(name, type, shape));
        return this;
    }

    Graphs output(String name, int type, long... shape) {
        graph.addOutput(valueInfo(name, type, shape));
        return this;
    }

    Graphs node(String op, List<String> in, List<String> out, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(op + "_" + graph.getNodeCount()).addAllInput(in)
                .addAllOutput(out).addAllAttribute(List.of(attributes)));
        return this;
    }

    Graphs randomInitializer(String name, Random random, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian() * 0.2f;
        }
        graph.addInitializer(Tensors.floatTensor(name, dims, v));
        return this;
    }

    static AttributeProto ints(String name, long value) {
        return Nodes.intAttribute(name, value);
    }

    static AttributeProto floats(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    Path write(Path file) throws IOException {
        ModelProto model = ModelProto.newBuilder().setIrVersion(opset >= 13 ? 8 : 6).setProducerName("edgegate-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph)
                .build();
        Files.write(file, model.toByteArray());
        return file;
    }

    private static ValueInfoProto valueInfo(String name, int type, long[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(d >= 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(d)
                    : TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(s))).build();
    }
}
