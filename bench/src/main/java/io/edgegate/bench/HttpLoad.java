package io.edgegate.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Client threads posting the same OIP v2 inference without pause, each over its own kept-alive HTTP/1.1
 * connection, recording every request: when it started and ended, which version answered, and what was
 * wrong with the answer if anything.
 */
final class HttpLoad {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** One request; times from {@link System#nanoTime()}. {@code failure} is null for a right answer. */
    record Sample(long startNanos, long endNanos, long version, String failure) {
        boolean ok() {
            return failure == null;
        }

        boolean overlaps(long from, long to) {
            return startNanos < to && endNanos > from;
        }
    }

    private final HttpRequest request;
    private final ResponseCheck check;
    private final ConcurrentMap<Long, Long> firstServed;
    private final List<Thread> threads = new ArrayList<>();
    private final List<List<Sample>> perThread = new ArrayList<>();
    private volatile boolean running;

    /**
     * @param firstServed filled with the end time of the first right answer of each version, shared between
     *        loads so that a version is only ever first served once
     */
    HttpLoad(URI infer, byte[] body, ResponseCheck check, ConcurrentMap<Long, Long> firstServed) {
        this.request = HttpRequest.newBuilder(infer)
                .header("Content-Type", "application/json")
                .timeout(REQUEST_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        this.check = check;
        this.firstServed = firstServed;
    }

    /** A new map for {@link #HttpLoad}'s {@code firstServed}. */
    static ConcurrentMap<Long, Long> firstServedMap() {
        return new ConcurrentHashMap<>();
    }

    void start(int count) {
        if (running) {
            throw new IllegalStateException("already running");
        }
        running = true;
        for (int i = 0; i < count; i++) {
            List<Sample> samples = new ArrayList<>();
            perThread.add(samples);
            Thread t = new Thread(() -> loop(samples), "swap-bench-client-" + threads.size());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Stops every client after its current request and returns all samples recorded since {@link #start}. */
    List<Sample> stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(REQUEST_TIMEOUT.toMillis() + 5_000);
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop");
            }
        }
        List<Sample> all = new ArrayList<>();
        perThread.forEach(all::addAll);
        threads.clear();
        perThread.clear();
        return all;
    }

    private void loop(List<Sample> samples) {
        // One client per thread: each keeps one HTTP/1.1 connection of its own open between requests.
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        while (running) {
            long start = System.nanoTime();
            long version = -1;
            String failure;
            try {
                HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                long end = System.nanoTime();
                if (response.statusCode() != 200) {
                    failure = "HTTP " + response.statusCode() + ": " + ResponseCheck.snippet(response.body());
                } else {
                    ResponseCheck.Outcome outcome = check.check(response.body());
                    version = outcome.version();
                    failure = outcome.failure();
                    if (failure == null && !firstServed.containsKey(version)) {
                        firstServed.putIfAbsent(version, end);
                    }
                }
                samples.add(new Sample(start, end, version, failure));
            } catch (IOException e) {
                samples.add(new Sample(start, System.nanoTime(), -1, e.toString()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
