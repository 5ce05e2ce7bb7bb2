package io.edgegate.optimizer.impl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.google.protobuf.CodedInputStream;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** Reading, writing and small structural queries on ONNX models held as protobuf messages. */
final class OnnxModels {
    /** Protobuf cannot serialise a message of 2 GiB or more; such models need external data, not supported here. */
    private static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;

    private OnnxModels() {
    }

    static ModelProto read(String recipe, Path source) throws RecipeException {
        try {
            byte[] bytes = Files.readAllBytes(source);
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            // The tensors' ByteStrings then share the file's array instead of copying it (90 MB for MiniLM FP32).
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            ModelProto model = ModelProto.parseFrom(in);
            if (!model.hasGraph() || model.getGraph().getOutputCount() == 0) {
                throw new RecipeException(recipe + ": " + source + " is not an ONNX model (no graph outputs)");
            }
            for (TensorProto t : model.getGraph().getInitializerList()) {
                if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                    throw new RecipeException(recipe + ": " + source + " keeps tensor " + t.getName()
                            + " in external data, which is not supported");
                }
            }
            return model;
        } catch (IOException e) {
            throw new RecipeException(recipe + ": cannot read " + source + ": " + e.getMessage(), e);
        }
    }

    /** Writes next to {@code target} first and moves it in place, so a failure never leaves half a model there. */
    static void write(String recipe, ModelProto model, Path source, Path target) throws RecipeException {
        long size = model.getSerializedSize();
        if (size < 0 || size >= MAX_MODEL_BYTES) {
            throw new RecipeException(recipe + ": the variant would be 2 GiB or more, which needs external data");
        }
        Path temp = null;
        try {
            checkTarget(recipe, source, target);
            temp = temporaryBeside(target);
            try (OutputStream out = Files.newOutputStream(temp)) {
                model.writeTo(out);
            }
            moveInPlace(temp, target);
        } catch (IOException e) {
            throw new RecipeException(recipe + ": cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(temp);
        }
    }

    static void checkTarget(String recipe, Path source, Path target) throws RecipeException, IOException {
        if (Files.exists(target) && Files.isSameFile(source, target)) {
            throw new RecipeException(recipe + ": the target is the source file; a recipe never modifies its source");
        }
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
    }

    static Path temporaryBeside(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        return Files.createTempFile(dir, "." + target.getFileName(), ".part");
    }

    static void moveInPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover .part file is harmless
            }
        }
    }

    /** The version of the default ONNX domain the model imports; 1 when it imports none (as the spec says). */
    static long opset(ModelProto model) {
        for (OperatorSetIdProto op : model.getOpsetImportList()) {
            if (op.getDomain().isEmpty() || op.getDomain().equals("ai.onnx")) {
                return op.getVersion();
            }
        }
        return 1;
    }

    /**
     * Raises the default-domain opset to at least {@code min}. Refused when the graph has operators whose signature or
     * meaning changed between the model's opset and {@code min}: the bump would silently change the model.
     */
    static void requireOpset(String recipe, ModelProto.Builder model, long min) throws RecipeException {
        long current = opset(model.build());
        if (current >= min) {
            return;
        }
        Set<String> changed = new TreeSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (isDefaultDomain(n) && OpsetChanges.changedBetween(n.getOpType(), current, min)) {
                changed.add(n.getOpType());
            }
        }
        if (!changed.isEmpty()) {
            throw new RecipeException(recipe + ": the model imports opset " + current + " but needs " + min
                    + ", and raising it would change " + changed + "; convert the model to opset " + min + " first");
        }
        boolean found = false;
        for (int i = 0; i < model.getOpsetImportCount(); i++) {
            OperatorSetIdProto op = model.getOpsetImport(i);
            if (op.getDomain().isEmpty() || op.getDomain().equals("ai.onnx")) {
                model.setOpsetImport(i, op.toBuilder().setVersion(min));
                found = true;
            }
        }
        if (!found) {
            model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(min));
        }
        // The IR version that came with that opset (ONNX 1.5: IR 5 / opset 10, 1.6: 6 / 11, 1.7: 7 / 12 and 13).
        long ir = min <= 10 ? 5 : min == 11 ? 6 : 7;
        if (model.getIrVersion() < ir) {
            model.setIrVersion(ir);
        }
    }

    static boolean isDefaultDomain(NodeProto node) {
        return node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
    }

    static boolean hasSubgraph(NodeProto node) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.hasG() || a.getGraphsCount() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Names that nodes inside subgraphs (If, Loop, Scan bodies) read, possibly from the enclosing graph. */
    static Set<String> subgraphReads(GraphProto graph) {
        Set<String> names = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            for (AttributeProto a : n.getAttributeList()) {
                List<GraphProto> bodies = new ArrayList<>(a.getGraphsList());
                if (a.hasG()) {
                    bodies.add(a.getG());
                }
                for (GraphProto body : bodies) {
                    for (NodeProto inner : body.getNodeList()) {
                        names.addAll(inner.getInputList());
                    }
                    names.addAll(subgraphReads(body));
                }
            }
        }
        return names;
    }

    /** How many times each name is read: by node inputs, as a graph output, or from inside a subgraph. */
    static Map<String, Integer> readCounts(Collection<NodeProto> nodes, GraphProto graph) {
        Map<String, Integer> counts = new HashMap<>();
        for (NodeProto n : nodes) {
            for (String in : n.getInputList()) {
                counts.merge(in, 1, Integer::sum);
            }
        }
        for (ValueInfoProto out : graph.getOutputList()) {
            counts.merge(out.getName(), 1, Integer::sum);
        }
        for (String s : subgraphReads(graph)) {
            counts.merge(s, 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Drops initializers nothing reads any more, with their (pre-IR-4 style) graph input entries and value_info.
     * Nodes are taken from {@code graph} as it stands.
     */
    static void dropUnread(GraphProto.Builder graph) {
        GraphProto snapshot = graph.build();
        Map<String, Integer> reads = readCounts(snapshot.getNodeList(), snapshot);
        Set<String> dropped = new HashSet<>();
        List<TensorProto> kept = new ArrayList<>();
        for (TensorProto t : snapshot.getInitializerList()) {
            if (reads.getOrDefault(t.getName(), 0) > 0) {
                kept.add(t);
            } else {
                dropped.add(t.getName());
            }
        }
        if (dropped.isEmpty()) {
            return;
        }
        graph.clearInitializer().addAllInitializer(kept);
        List<ValueInfoProto> inputs = new ArrayList<>(snapshot.getInputList());
        inputs.removeIf(v -> dropped.contains(v.getName()));
        graph.clearInput().addAllInput(inputs);
        List<ValueInfoProto> infos = new ArrayList<>(snapshot.getValueInfoList());
        infos.removeIf(v -> dropped.contains(v.getName()));
        graph.clearValueInfo().addAllValueInfo(infos);
    }
}
