package io.edgegate.store.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgegate.model.DataType;
import io.edgegate.model.TensorSpec;
import io.edgegate.store.ModelConfig;
import io.edgegate.store.ModelVersion;
import io.edgegate.testkit.OnnxModelBuilder;
import io.edgegate.testkit.TestTrust;

class FileSystemModelStoreTest {
    private static final String MINILM = "all-minilm-l6-v2-q.onnx";

    @TempDir
    Path home;
    Path root;
    TestTrust trust;

    @BeforeEach
    void trustRoot() {
        root = home.resolve("models");
        trust = TestTrust.create(home);
    }

    /** The store over {@code dir}, after signing every model in it as an operator would. */
    private FileSystemModelStore store(Path dir) throws IOException {
        trust.signAll(dir);
        return new FileSystemModelStore(dir, home.resolve("data/models"), trust.verifier(), 0);
    }

    private FileSystemModelStore store() throws IOException {
        return store(root);
    }

    /** A tiny valid model: y = Identity(x), FP32 [N, 4]. */
    private static Path identity(Path file) {
        return new OnnxModelBuilder()
                .input("x", OnnxModelBuilder.FLOAT, -1, 4)
                .output("y", OnnxModelBuilder.FLOAT, -1, 4)
                .node("Identity", List.of("x"), List.of("y"))
                .write(file);
    }

    private Path model(String name, String version) {
        return identity(root.resolve(name).resolve(version).resolve("model.onnx"));
    }

    private static byte[] minilm() throws IOException {
        try (InputStream in = FileSystemModelStoreTest.class.getClassLoader().getResourceAsStream(MINILM)) {
            assertNotNull(in, MINILM + " must be on the test class path");
            return in.readAllBytes();
        }
    }

    private static List<String> ids(List<ModelVersion> versions) {
        return versions.stream().map(ModelVersion::toString).toList();
    }

    @Test
    void listsEveryVersionOrderedByNameThenNumericVersion() throws IOException {
        model("zeta", "10");
        model("zeta", "2");
        model("zeta", "1");
        model("alpha", "3");

        FileSystemModelStore store = store();

        assertEquals(List.of("alpha/3", "zeta/1", "zeta/2", "zeta/10"), ids(store.versions()));
        assertEquals(List.of("zeta/1", "zeta/2", "zeta/10"), ids(store.versions("zeta")));
        assertEquals(List.of(), store.versions("nope"));
        assertTrue(store.version("zeta", 10).isPresent());
        assertFalse(store.version("zeta", 3).isPresent());
        assertFalse(store.version("nope", 1).isPresent());
        assertEquals(root.toAbsolutePath().normalize(), store.root());
        ModelVersion ten = store.version("zeta", 10).orElseThrow();
        assertEquals(home.resolve("data/models/zeta/10/" + ten.sha256() + ".onnx"), ten.modelFile(),
                "what is loaded is the verified private copy, not the repository's file");
        assertArrayEquals(Files.readAllBytes(root.resolve("zeta/10/model.onnx")), Files.readAllBytes(ten.modelFile()));
        store.versions().forEach(v -> assertTrue(v.problem().isEmpty(), v + ": " + v.problem()));
    }

    @Test
    void sha256AndSizeDescribeTheModelFile() throws Exception {
        Path file = model("m", "1");
        byte[] bytes = Files.readAllBytes(file);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));

        ModelVersion v = store().version("m", 1).orElseThrow();

        assertEquals(expected, v.sha256());
        assertEquals(bytes.length, v.size());
    }

    @Test
    void metadataComesFromTheOnnxGraphWithoutModelJson() throws IOException {
        Path dir = Files.createDirectories(root.resolve("minilm/1"));
        Files.write(dir.resolve("model.onnx"), minilm());

        ModelVersion v = store().version("minilm", 1).orElseThrow();

        assertTrue(v.problem().isEmpty(), () -> v.problem().get());
        ModelConfig c = v.config();
        assertEquals(ModelConfig.Source.ONNX_GRAPH, c.source());
        long[] dynamic2 = {-1, -1};
        assertEquals(List.of(new TensorSpec("input_ids", DataType.INT64, dynamic2),
                new TensorSpec("attention_mask", DataType.INT64, dynamic2),
                new TensorSpec("token_type_ids", DataType.INT64, dynamic2)), c.inputs());
        assertEquals(List.of(new TensorSpec("last_hidden_state", DataType.FP32, new long[] {-1, -1, 384})),
                c.outputs());
        assertEquals(List.of(), c.preferredProviders());
    }

    @Test
    void graphReaderSeesFixedDimensionsAndEveryElementType() throws IOException {
        Path file = new OnnxModelBuilder()
                .input("a", OnnxModelBuilder.UINT8, 1, -1, 3)
                .input("b", OnnxModelBuilder.BOOL)
                .input("w", OnnxModelBuilder.FLOAT, 2)
                .floatInitializer("w", new long[] {2}, 1f, 2f)
                .output("c", OnnxModelBuilder.FLOAT16, 7)
                .output("d", OnnxModelBuilder.INT8, -1)
                .write(root.resolve("typed/1/model.onnx"));
        assertTrue(Files.isRegularFile(file));

        ModelConfig c = store().version("typed", 1).orElseThrow().config();

        // An input that is also an initializer is a weight, not something a client sends.
        assertEquals(List.of(new TensorSpec("a", DataType.UINT8, new long[] {1, -1, 3}),
                new TensorSpec("b", DataType.BOOL, new long[0])), c.inputs());
        assertEquals(List.of(new TensorSpec("c", DataType.FP16, new long[] {7}),
                new TensorSpec("d", DataType.INT8, new long[] {-1})), c.outputs());
    }

    @Test
    void modelJsonOverridesTheGraph() throws IOException {
        Path file = model("m", "1");
        Files.writeString(file.resolveSibling("model.json"), """
                {
                  "inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 4]}],
                  "providers": ["cuda", "cpu"],
                  "threads": {"intra_op": 3, "inter_op": 1}
                }
                """);

        ModelVersion v = store().version("m", 1).orElseThrow();

        assertTrue(v.problem().isEmpty(), () -> v.problem().get());
        ModelConfig c = v.config();
        assertEquals(ModelConfig.Source.MODEL_JSON, c.source());
        assertEquals(List.of(new TensorSpec("x", DataType.FP32, new long[] {2, 4})), c.inputs());
        // Silent on outputs: those of the graph.
        assertEquals(List.of(new TensorSpec("y", DataType.FP32, new long[] {-1, 4})), c.outputs());
        assertEquals(List.of("cuda", "cpu"), c.preferredProviders());
        assertEquals(3, c.intraOpThreads());
        assertEquals(1, c.interOpThreads());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"inputs\": [",
        "[]",
        "{\"input\": []}",
        "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FLOAT\", \"shape\": [2, 4]}]}",
        "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 4]}]}",
        "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\"}]}",
        "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [-2, 4]}]}",
        "{\"inputs\": [{\"datatype\": \"FP32\", \"shape\": [2, 4]}]}",
        "{\"providers\": \"cpu\"}",
        "{\"providers\": [\"\"]}",
        "{\"threads\": {\"intra_op\": -1}}",
        "{\"threads\": 4}",
        "{\"threads\": {\"intra_op\": 2.5}}",
        "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [2.5, 4]}]}",
        "{\"providers\": [\"cpu\"], \"providers\": [\"cuda\"]}"
    })
    void invalidModelJsonIsAProblemNamingModelJson(String json) throws IOException {
        Path bad = model("bad", "1");
        Files.writeString(bad.resolveSibling("model.json"), json);
        model("good", "1");

        FileSystemModelStore store = store();

        ModelVersion v = store.version("bad", 1).orElseThrow();
        assertTrue(v.problem().isPresent(), "accepted " + json);
        assertTrue(v.problem().get().contains("model.json"), v.problem().get());
        assertEquals(ModelConfig.Source.NONE, v.config().source());
        assertTrue(store.version("good", 1).orElseThrow().problem().isEmpty());
    }

    @Test
    void unknownModelJsonFieldIsNamed() throws IOException {
        Files.writeString(model("m", "1").resolveSibling("model.json"), "{\"thread\": {\"intra_op\": 2}}");

        String problem = store().version("m", 1).orElseThrow().problem().orElseThrow();

        assertTrue(problem.contains("'thread'"), problem);
    }

    @Test
    void badDatatypeInModelJsonIsNamed() throws IOException {
        Files.writeString(model("m", "1").resolveSibling("model.json"),
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FLOAT\", \"shape\": [2, 4]}]}");

        String problem = store().version("m", 1).orElseThrow().problem().orElseThrow();

        assertTrue(problem.contains("FLOAT") && problem.contains("'x'"), problem);
    }

    enum Corruption {
        RANDOM_BYTES, TRUNCATED_MINILM, EMPTY_FILE, TEXT
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Corruption.class)
    void corruptModelIsListedWithAProblemAndOthersStayIntact(Corruption corruption) throws Exception {
        Path dir = Files.createDirectories(root.resolve("broken/1"));
        byte[] bytes = switch (corruption) {
            case RANDOM_BYTES -> {
                byte[] b = new byte[4096];
                new Random(42).nextBytes(b);
                yield b;
            }
            case TRUNCATED_MINILM -> {
                byte[] all = minilm();
                yield java.util.Arrays.copyOf(all, all.length / 2);
            }
            case EMPTY_FILE -> new byte[0];
            case TEXT -> "this is not an ONNX model\n".getBytes(StandardCharsets.UTF_8);
        };
        Files.write(dir.resolve("model.onnx"), bytes);
        model("good", "1");
        model("good", "2");

        FileSystemModelStore store = store();

        assertEquals(List.of("broken/1", "good/1", "good/2"), ids(store.versions()));
        ModelVersion broken = store.version("broken", 1).orElseThrow();
        assertTrue(broken.problem().isPresent(), corruption + " was accepted");
        assertTrue(broken.problem().get().contains("model.onnx"), broken.problem().get());
        assertEquals(ModelConfig.Source.NONE, broken.config().source());
        // The file was readable, so operators still see which bytes are on disk.
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), broken.sha256());
        assertEquals(bytes.length, broken.size());
        for (ModelVersion good : store.versions("good")) {
            assertTrue(good.problem().isEmpty(), good + ": " + good.problem());
            assertEquals(List.of(new TensorSpec("x", DataType.FP32, new long[] {-1, 4})), good.config().inputs());
        }
    }

    @Test
    void versionFolderWithoutModelFileIsListedWithAProblem() throws IOException {
        Files.createDirectories(root.resolve("m/1"));
        Files.writeString(root.resolve("m/1/model.json"), "{}");

        ModelVersion v = store().version("m", 1).orElseThrow();

        assertTrue(v.problem().orElseThrow().contains("model.onnx"), v.problem().get());
        assertEquals(null, v.sha256());
    }

    @Test
    void foldersThatAreNotModelsOrVersionsAreIgnored() throws IOException {
        model("good", "1");
        model("bad name", "1");
        model(".hidden", "1");
        model("-dash", "1");
        model("good", "v1");
        model("good", "0");
        model("good", "01");
        model("good", "-1");
        model("good", "1.5");
        model("good", "1234567890123456789"); // past what a long version folder may hold
        Files.writeString(root.resolve("README.txt"), "not a model");
        Files.writeString(root.resolve("good/2"), "a file, not a version folder");

        FileSystemModelStore store = store();

        assertEquals(List.of("good/1"), ids(store.versions()));
    }

    @Test
    void acceptedNamesKeepDotsDashesAndUnderscores() throws IOException {
        model("my-model_v2.int8", "7");

        assertEquals(List.of("my-model_v2.int8/7"), ids(store().versions()));
    }

    @Test
    void missingRootIsCreatedEmpty() throws IOException {
        Path missing = root.resolve("a/b/models");

        FileSystemModelStore store = store(missing);

        assertTrue(Files.isDirectory(missing));
        assertEquals(List.of(), store.versions());
    }

    @Test
    void relativeDirectoryResolvesAgainstTheGatewayHome() {
        assertEquals(Path.of("/opt/edgegate/models"), FileSystemModelStore.resolve("/opt/edgegate", "models"));
        assertEquals(Path.of("/srv/models"), FileSystemModelStore.resolve("/opt/edgegate", "/srv/models"));
    }

    @Test
    void snapshotIsImmutable() throws IOException {
        model("m", "1");
        List<ModelVersion> versions = store().versions();

        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, versions::clear);
        assertArrayEquals(new long[] {-1, 4}, versions.get(0).config().inputs().get(0).shape());
    }
}
