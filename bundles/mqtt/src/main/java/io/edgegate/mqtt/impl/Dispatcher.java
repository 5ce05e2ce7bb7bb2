package io.edgegate.mqtt.impl;

import io.edgegate.oip.OipCodec;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes every message off Paho's thread into a bounded pool of workers (a full queue is answered 503 at once, by
 * a thread of its own), routes it to its operation or to inference, makes repeated requests answer with the
 * remembered reply instead of running again, and publishes the replies (docs/mqtt.md, "Replies").
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    /** An operation's handler. */
    interface Handler {
        Reply handle(Request request) throws OpException;
    }

    /**
     * The handler of a long operation, which tells how far it got with interim replies (status 202, sent to the
     * response topic with the request's correlation data, never remembered) before its final reply.
     */
    interface ReportingHandler {
        Reply handle(Request request, Consumer<Reply> interim) throws OpException;
    }

    /**
     * An operation.
     *
     * @param mutating whether it changes the gateway: its replies are also kept on disk
     */
    record Op(ReportingHandler handler, boolean mutating) {
        Op(Handler handler, boolean mutating) {
            this((request, interim) -> handler.handle(request), mutating);
        }
    }

    /** Publishes a reply; false if it could not. */
    interface Sender {
        boolean send(String topic, byte[] payload, MqttProperties properties);
    }

    private final Settings settings;
    private final Map<String, Op> operations;
    private final InferenceOps inference;
    private final ReplyCache cache;
    private final Sender sender;
    private final Runnable changed;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor rejector;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean stopping;

    /** @param changed told after every operation that changes the gateway (the status may have changed) */
    Dispatcher(Settings settings, Map<String, Op> operations, InferenceOps inference, ReplyCache cache, Sender sender,
            Runnable changed) {
        this.settings = settings;
        this.operations = Map.copyOf(operations);
        this.inference = inference;
        this.cache = cache;
        this.sender = sender;
        this.changed = changed;
        this.workers = pool("edgegate-mqtt-worker", settings.workerThreads(), settings.queueLength());
        this.rejector = pool("edgegate-mqtt-busy", 1, 256);
    }

    private static ThreadPoolExecutor pool(String name, int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** On Paho's thread: copy and queue, nothing else. */
    void accept(String topic, MqttMessage message) {
        Request r = Request.of(topic, message);
        try {
            workers.execute(() -> handle(r));
        } catch (RejectedExecutionException e) {
            busy(r);
        }
    }

    private void busy(Request r) {
        String why = stopping ? "the gateway is stopping" : "the gateway is busy (" + settings.queueLength()
                + " requests queued); try again later";
        try {
            rejector.execute(() -> send(r, isInference(r.topic()) ? InferenceOps.error(503, why)
                    : Reply.error(503, why, null)));
        } catch (RejectedExecutionException e) {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8, ...: the log stays readable under a flood
                LOG.warn("MQTT: {} request(s) dropped unanswered: {}", n, why);
            }
        }
    }

    /** On a worker. */
    void handle(Request r) {
        String topic = r.topic();
        if (isInference(topic)) {
            String model = topic.substring(topic.lastIndexOf('/') + 1);
            Reply reply = r.payload().length > settings.maxPayloadBytes() ? InferenceOps.error(413, tooLarge(r))
                    : inference.infer(model, r);
            LOG.debug("MQTT infer {} -> {}", model, reply.status());
            send(r, reply);
            return;
        }
        if (!topic.startsWith(settings.requestPrefix())) {
            LOG.debug("MQTT: ignoring a message on {}", topic);
            return;
        }
        String name = topic.substring(settings.requestPrefix().length());
        Op op = operations.get(name);
        if (op == null || r.payload().length > settings.maxPayloadBytes()) {
            // nothing ran: not remembered
            send(r, op == null ? Reply.error(404, "unknown operation '" + Body.abbreviate(name) + "'; known: "
                    + new TreeSet<>(operations.keySet()), null) : Reply.error(413, name + ": " + tooLarge(r), null));
            return;
        }
        if (r.correlation() == null) {
            send(r, run(name, op, r));
            return;
        }
        String key = r.key();
        ReplyCache.Claim claim = cache.claim(key);
        if (claim instanceof ReplyCache.Remembered remembered) {
            LOG.debug("MQTT {}: repeated request, answering as before ({})", name, remembered.reply().status());
            send(r, remembered.reply());
        } else if (claim instanceof ReplyCache.Running running) {
            LOG.debug("MQTT {}: repeated while running; answering when done", name);
            running.reply().thenAccept(reply -> send(r, reply));
        } else {
            Reply reply = Reply.error(500, name + ": internal error", null);
            try {
                reply = run(name, op, r);
            } finally {
                if (reply.status() == 503) {
                    cache.release(key, reply);
                } else {
                    // chunks are many and resumable: kept in memory only
                    cache.complete(key, reply, op.mutating() && reply.status() != 202);
                }
            }
            send(r, reply);
        }
    }

    private Reply run(String name, Op op, Request r) {
        long start = System.nanoTime();
        Reply reply;
        try {
            reply = op.handler().handle(r, interim -> send(r, interim));
        } catch (OpException e) {
            reply = e.reply();
            if (e.status() >= 500 && e.status() != 503) {
                LOG.warn("MQTT {}: {}", name, e.getMessage());
            }
        } catch (RuntimeException e) {
            // a bug of ours: the requester gets a 500, the log the trace, the gateway goes on
            LOG.error("MQTT {} failed", name, e);
            reply = Reply.error(500, name + ": internal error: " + e, null);
        }
        LOG.debug("MQTT {} -> {} in {} ms", name, reply.status(), (System.nanoTime() - start) / 1_000_000);
        if (op.mutating() && reply.status() < 300) {
            changed.run();
        }
        return reply;
    }

    private void send(Request r, Reply reply) {
        if (r.responseTopic() == null) {
            LOG.debug("MQTT: a request on {} has no response topic; its reply ({}) goes nowhere", r.topic(),
                    reply.status());
            return;
        }
        MqttProperties p = Connection.json();
        if (r.correlation() != null) {
            p.setCorrelationData(r.correlation());
        }
        if (reply.binary()) {
            p.setContentType(OipCodec.BINARY_CONTENT_TYPE);
            p.setUserProperties(List.of(new UserProperty("status", Integer.toString(reply.status())),
                    new UserProperty(OipCodec.HEADER_LENGTH, Integer.toString(reply.headerLength()))));
        } else {
            p.setUserProperties(List.of(new UserProperty("status", Integer.toString(reply.status()))));
        }
        if (!sender.send(r.responseTopic(), reply.body(), p)) {
            LOG.debug("MQTT: the reply to {} could not be published (not connected?); a retry is answered from "
                    + "memory", r.topic());
        }
    }

    private boolean isInference(String topic) {
        String fleet = settings.fleetInferPrefix();
        return (topic.startsWith(settings.inferPrefix()) && topic.indexOf('/', settings.inferPrefix().length()) < 0)
                || (fleet != null && topic.startsWith(fleet) && topic.indexOf('/', fleet.length()) < 0);
    }

    private String tooLarge(Request r) {
        return "the payload of " + r.payload().length + " bytes is larger than the limit of "
                + settings.maxPayloadBytes() + " bytes (maxPayloadBytes); send uploads in chunks";
    }

    /** Stops taking work; waits a while for running requests, so that their replies still go out. */
    void close() {
        stopping = true;
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("MQTT: {} request(s) still running after 10 s; interrupting them", workers.getActiveCount());
                workers.shutdownNow();
                workers.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        rejector.shutdown();
        try {
            rejector.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rejector.shutdownNow();
    }
}
