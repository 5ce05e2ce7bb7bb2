package io.edgegate.mqtt.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dispatcher alone: what happens when the workers are busy, and to repeats of a running request. */
class DispatcherTest {
    @TempDir
    Path home;

    record Sent(String topic, int status, String body) {
    }

    private final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Dispatcher dispatcher(Map<String, Object> config, Map<String, Dispatcher.Op> ops) throws Exception {
        Settings s = Settings.of(TestGateway.config(config), home.toString(), null, null, "test");
        ReplyCache cache = new ReplyCache(home.resolve("replies"), 10, java.time.Duration.ofMinutes(1),
                Clock.systemUTC());
        return new Dispatcher(s, ops, new InferenceOps(new Services(), 1024), cache, (topic, payload, props) -> {
            int status = Integer.parseInt(props.getUserProperties().get(0).getValue());
            sent.add(new Sent(topic, status, new String(payload, StandardCharsets.UTF_8)));
            return true;
        }, () -> { });
    }

    private static MqttMessage message(String correlation) {
        MqttProperties p = new MqttProperties();
        p.setResponseTopic("replies");
        p.setCorrelationData(correlation.getBytes(StandardCharsets.UTF_8));
        return new MqttMessage(new byte[0], 1, false, p);
    }

    @Test
    void aFullQueueIsAnswered503AtOnceAndTheNextRequestsRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        Dispatcher d = dispatcher(Map.of("gatewayId", "g", "workerThreads", 1, "queueLength", 1), Map.of("slow",
                new Dispatcher.Op(r -> {
                    runs.incrementAndGet();
                    running.countDown();
                    await(release);
                    return Reply.ok(Body.JSON.createObjectNode());
                }, false)));
        try {
            d.accept("edgegate/g/req/slow", message("a")); // runs, blocks the only worker
            assertTrue(running.await(5, TimeUnit.SECONDS));
            d.accept("edgegate/g/req/slow", message("b")); // waits in the queue
            d.accept("edgegate/g/req/slow", message("c")); // no room

            Sent busy = sent.poll(5, TimeUnit.SECONDS);
            assertEquals(503, busy.status(), busy.toString());
            assertTrue(busy.body().contains("busy"), busy.body());

            release.countDown();
            assertEquals(200, sent.poll(5, TimeUnit.SECONDS).status());
            assertEquals(200, sent.poll(5, TimeUnit.SECONDS).status());
            assertEquals(2, runs.get());
        } finally {
            release.countDown();
            d.close();
        }
    }

    @Test
    void aRepeatWhileRunningWaitsForTheSameReplyAndDoesNotRunAgain() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        Dispatcher d = dispatcher(Map.of("gatewayId", "g"), Map.of("once", new Dispatcher.Op(r -> {
            await(release);
            return Reply.ok(Body.JSON.valueToTree(Map.of("run", runs.incrementAndGet())));
        }, true)));
        try {
            d.accept("edgegate/g/req/once", message("same"));
            d.accept("edgegate/g/req/once", message("same"));
            TestGateway.sleep(200);
            release.countDown();

            Sent first = sent.poll(5, TimeUnit.SECONDS);
            Sent second = sent.poll(5, TimeUnit.SECONDS);
            assertEquals(first, second);
            assertEquals(1, runs.get());
            d.accept("edgegate/g/req/once", message("other"));
            assertTrue(sent.poll(5, TimeUnit.SECONDS).body().contains("\"run\":2"));
        } finally {
            release.countDown();
            d.close();
        }
    }

    @Test
    void withoutAResponseTopicItRunsAndAnswersNowhere() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Dispatcher d = dispatcher(Map.of("gatewayId", "g"), Map.of("x", new Dispatcher.Op(r -> {
            runs.incrementAndGet();
            return Reply.ok(Body.JSON.createObjectNode());
        }, true)));
        try {
            d.accept("edgegate/g/req/x", new MqttMessage("{}".getBytes(StandardCharsets.UTF_8)));
            d.close();
            assertEquals(1, runs.get());
            assertEquals(List.of(), List.copyOf(sent));
        } finally {
            d.close();
        }
    }
}
