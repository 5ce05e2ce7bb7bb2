package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The assembled distribution as a user runs it: {@code bin/edgegate} as a process on a free port, ready,
 * an inference that matches raw ONNX Runtime, then SIGTERM and exit code 0.
 */
public class DistributionIT {
    private Process process;

    private static Path dist() {
        Path dist = Path.of(System.getProperty("edgegate.dist"));
        assertTrue("the distribution is built: " + dist, Files.isExecutable(dist.resolve("bin/edgegate")));
        return dist;
    }

    @After
    public void killLeftovers() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    public void helpExplainsTheOptions() throws Exception {
        Process p = new ProcessBuilder(dist().resolve("bin/edgegate").toString(), "--help")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(out, 0, p.exitValue());
        assertTrue(out, out.contains("--port") && out.contains("SIGTERM"));
    }

    @Test
    public void startsServesTheShippedModelAndStopsCleanlyOnSigterm() throws Exception {
        Path dist = dist();
        assertTrue("MiniLM ships in models/",
                Files.isRegularFile(dist.resolve("models/" + MiniLmInputs.MODEL + "/1/model.onnx")));
        int port = TestGateway.freePort();
        Path log = Files.createDirectories(Path.of(System.getProperty("edgegate.itest.dir"))).resolve("dist.log");
        process = new ProcessBuilder(dist.resolve("bin/edgegate").toString(), "--port", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Http http = new Http(port);
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            assertTrue("exited early:\n" + Files.readString(log), process.isAlive());
            try {
                if (http.get("/v2/health/ready").status() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue("not ready in 60 s:\n" + Files.readString(log), System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
        Http.Response r = http.post("/v2/models/" + MiniLmInputs.MODEL + "/infer", GatewayIT.miniLmRequest(2));
        assertEquals(r.body(), 200, r.status());
        JsonNode data = r.json().path("outputs").get(0).path("data");
        float[] got = new float[data.size()];
        for (int k = 0; k < got.length; k++) {
            got[k] = (float) data.get(k).asDouble();
        }
        double diff = MiniLmInputs.maxAbsDiff(MiniLmInputs.reference(2), got);
        assertTrue("max abs diff " + diff, diff <= 1e-5);

        process.destroy(); // SIGTERM
        assertTrue("stopped within 30 s", process.waitFor(30, TimeUnit.SECONDS));
        String output = Files.readString(log);
        assertEquals(output, 0, process.exitValue());
        assertTrue(output, output.contains("Edgegate stopped"));
        List<String> errors = output.lines().filter(l -> l.contains(" ERROR ")).toList();
        assertTrue("no errors logged: " + errors, errors.isEmpty());
    }
}
