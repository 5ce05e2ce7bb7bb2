package io.edgegate.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

import io.edgegate.inference.InferenceService;

/** A gateway whose models folder does not exist: it is created and the gateway serves with no models. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EmptyGatewayIT {
    @Inject
    BundleContext context;

    @Inject
    InferenceService inference;

    @Configuration
    public Option[] config() {
        return TestGateway.options(TestGateway.home("EmptyGatewayIT"));
    }

    @Test
    public void missingModelsFolderIsCreatedAndTheGatewayServes() throws Exception {
        Path models = Path.of(context.getProperty("edgegate.home"), "models");
        assertTrue("models/ created", Files.isDirectory(models));
        assertTrue(inference.models().isEmpty());
        Http http = new Http(Integer.parseInt(context.getProperty("org.osgi.service.http.port")));
        Http.Response ready = awaitHttp(http);
        assertEquals(200, ready.status());
        assertTrue(ready.json().path("ready").asBoolean());
        Http.Response r = http.post("/v2/models/anything/infer", GatewayIT.miniLmRequest(0));
        assertEquals(404, r.status());
        assertFalse(r.error().isEmpty());
    }

    @Test
    public void theDefaultBodyLimitIs64MiB() throws Exception {
        Http http = new Http(Integer.parseInt(context.getProperty("org.osgi.service.http.port")));
        awaitHttp(http);
        String head = "POST /v2/models/anything/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + (64L * 1024 * 1024 + 1) + "\r\n\r\n";
        String answer = http.rawHead(head, "{\"inputs\": [".getBytes());
        assertTrue(answer, answer.startsWith("HTTP/1.1 413"));
        assertTrue(answer, answer.contains("67108864"));
        // exactly at the limit is read (and then refused for what it is: an unknown model)
        head = "POST /v2/models/anything/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n";
        answer = http.rawHead(head, "{}".getBytes());
        assertTrue(answer, answer.startsWith("HTTP/1.1 4") && !answer.startsWith("HTTP/1.1 413"));
    }

    private static Http.Response awaitHttp(Http http) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                Http.Response r = http.get("/v2/health/ready");
                if (r.status() == 200) {
                    return r;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue("HTTP not up in 30 s", System.currentTimeMillis() < deadline);
            Thread.sleep(100);
        }
    }
}
