package io.edgegate.edgectl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The chunked, resumable upload of docs/mqtt.md ({@code models/deploy}, {@code bundles/install|update}): a begin
 * request with the manifest, then chunks at the offsets the gateway reports, until its final answer.
 *
 * <p>When the connection drops or a chunk's reply does not come, it reconnects if needed and begins again to learn the
 * offset the gateway holds (the upload id follows from the manifest, so beginning again is resuming), within a bounded
 * number of retries. The last chunk is the exception: it is sent again with the same correlation data, because the
 * gateway may already have installed the artifact, and then only its idempotency cache knows the outcome.
 */
final class Upload {
    private final GatewayCommand command;
    private final GatewayClient client;
    private final String gateway;
    private final String topic;
    private final ObjectNode begin;
    private final FileChannel file;
    private final Path path;
    private final long length;
    private final int chunkSize;
    private final Duration timeout;
    private final Duration installTimeout;
    private final int retries;
    private final Progress progress;

    private int failures;

    Upload(GatewayCommand command, GatewayClient client, String gateway, String operation, ObjectNode begin,
            FileChannel file, Path path, long length, int chunkSize, Duration installTimeout, int retries,
            Progress progress) {
        this.command = command;
        this.client = client;
        this.gateway = gateway;
        this.topic = "edgegate/" + gateway + "/req/" + operation;
        this.begin = begin;
        this.file = file;
        this.path = path;
        this.length = length;
        this.chunkSize = chunkSize;
        this.timeout = command.mqtt.timeout;
        this.installTimeout = installTimeout;
        this.retries = retries;
        this.progress = progress;
    }

    /** Uploads until the gateway's final answer and returns its result; anything else is a {@link Failure}. */
    JsonNode run() {
        try {
            return upload();
        } finally {
            progress.finish();
        }
    }

    private JsonNode upload() {
        boolean begun = false;
        String upload = null;
        long offset = -1; // -1: (re)begin to learn it
        long chunkAt = -1;
        byte[] chunkCorrelation = null;
        while (true) {
            boolean last = false;
            try {
                if (offset < 0) {
                    GatewayCommand.Reply started = send(GatewayCommand.json(begin), GatewayClient.JSON, List.of(),
                            GatewayClient.newCorrelation(), timeout);
                    if (started.status() == 503) {
                        busy(started);
                        continue;
                    }
                    JsonNode r = expect(200, started).result();
                    upload = r.path("upload").asText(null);
                    long declared = r.path("length").asLong(-1);
                    offset = r.path("offset").asLong(-1);
                    if (upload == null || upload.isEmpty() || offset < 0 || offset > length) {
                        throw Failure.refused("gateway " + gateway + " answered the begin request with " + r);
                    }
                    if (declared != -1 && declared != length) {
                        throw Failure.refused("gateway " + gateway + " expects " + declared + " bytes, " + path
                                + " has " + length);
                    }
                    if (!begun) {
                        begun = true;
                        if (offset > 0) {
                            progress.note("resuming at " + Progress.bytes(offset) + " of " + Progress.bytes(length)
                                    + ": the gateway holds that much of this upload already");
                        }
                        progress.start(offset);
                    } else {
                        progress.note("resuming at " + Progress.bytes(offset) + " (the offset the gateway holds)");
                        progress.update(offset);
                    }
                    continue;
                }
                int n = (int) Math.min(chunkSize, length - offset);
                last = offset + n == length;
                if (chunkAt != offset) {
                    chunkAt = offset;
                    chunkCorrelation = GatewayClient.newCorrelation();
                }
                GatewayCommand.Reply reply = send(read(offset, n), GatewayClient.OCTETS,
                        List.of(new UserProperty("upload", upload), new UserProperty("offset", Long.toString(offset))),
                        chunkCorrelation, last ? installTimeout : timeout);
                switch (reply.status()) {
                    case 200 -> {
                        progress.update(length);
                        return reply.result();
                    }
                    case 202 -> {
                        long next = reply.result().path("offset").asLong(-1);
                        if (next <= offset || next > length) {
                            throw Failure.refused("gateway " + gateway + " acknowledged the chunk at " + offset
                                    + " with offset " + reply.result().path("offset"));
                        }
                        offset = next;
                        progress.update(offset);
                    }
                    case 409 -> {
                        // Another offset than ours: follow the gateway's, which is the truth about what it holds.
                        retry(GatewayCommand.refused("gateway " + gateway, reply));
                        JsonNode expected = reply.result().path("offset");
                        long at = expected.canConvertToLong() ? expected.asLong() : -1;
                        offset = at >= 0 && at <= length ? at : -1;
                        progress.note("the gateway expects offset " + expected + "; continuing there");
                        if (offset >= 0) {
                            progress.update(offset);
                        }
                    }
                    case 404 -> {
                        // The gateway lost the upload (expired, or its state was removed): start it again.
                        retry(GatewayCommand.refused("gateway " + gateway, reply));
                        progress.note("the gateway does not know the upload any more (" + reply.error()
                                + "); beginning again");
                        offset = -1;
                    }
                    case 503 -> {
                        busy(reply);
                        offset = last ? offset : -1;
                    }
                    default -> throw GatewayCommand.refused("gateway " + gateway, reply);
                }
            } catch (GatewayClient.Unanswered e) {
                Failure silent = command.noAnswer("gateway '" + gateway + "'", gateway, e, client);
                if (!begun) {
                    // Never heard from: nothing to resume, and waiting again would only repeat the silence.
                    throw silent;
                }
                retry(silent);
                String what = offset < 0 ? "the begin request" : "the chunk at " + Progress.bytes(offset);
                progress.note("no answer to " + what + " (" + e.getMessage() + "); retry " + failures + " of "
                        + retries);
                if (e.noSubscriber) {
                    pause();
                }
                offset = last ? offset : -1;
            } catch (GatewayClient.Lost e) {
                retry(Failure.unavailable(e.getMessage()));
                progress.note(e.getMessage() + "; reconnecting, retry " + failures + " of " + retries);
                reconnect();
                offset = last ? offset : -1;
            }
        }
    }

    private GatewayCommand.Reply send(byte[] payload, String contentType, List<UserProperty> properties,
            byte[] correlation, Duration wait) throws GatewayClient.Unanswered, GatewayClient.Lost {
        return GatewayCommand.parse(client.request(topic, correlation, payload, contentType, properties, wait));
    }

    private GatewayCommand.Reply expect(int status, GatewayCommand.Reply reply) {
        if (reply.status() != status) {
            throw GatewayCommand.refused("gateway " + gateway, reply);
        }
        return reply;
    }

    /** 503, not ready (busy, or stopping): worth another try after a pause, like silence. */
    private void busy(GatewayCommand.Reply reply) {
        retry(GatewayCommand.refused("gateway " + gateway, reply));
        progress.note("gateway busy (" + reply.error() + "); retry " + failures + " of " + retries);
        pause();
    }

    /** Counts a failure; past the limit, gives up with {@code cause} and where the upload stopped. */
    private void retry(Failure cause) {
        failures++;
        if (failures > retries) {
            throw cause.exitCode() == Failure.UNAVAILABLE
                    ? Failure.unavailable("upload of " + path + " given up after " + retries + " retries: "
                            + cause.getMessage() + " (run the same command again to resume)")
                    : Failure.refused("upload of " + path + " given up after " + retries + " retries: "
                            + cause.getMessage() + " (run the same command again to resume)");
        }
    }

    /** Reconnects at once, each failed attempt counting as a retry, with a growing pause before the next one. */
    private void reconnect() {
        while (true) {
            try {
                client.reconnect();
                return;
            } catch (GatewayClient.Lost e) {
                retry(Failure.unavailable(e.getMessage()));
                progress.note(e.getMessage() + "; retry " + failures + " of " + retries);
                pause();
            }
        }
    }

    /** 0.5, 1, 2, 4, 8, 8… seconds. */
    private void pause() {
        long millis = 500L << Math.min(4, Math.max(0, failures - 1));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.unavailable("interrupted");
        }
    }

    private byte[] read(long offset, int n) {
        ByteBuffer buffer = ByteBuffer.allocate(n);
        try {
            while (buffer.hasRemaining()) {
                if (file.read(buffer, offset + buffer.position()) < 0) {
                    throw Failure.usage(path + " became shorter while uploading");
                }
            }
        } catch (IOException e) {
            throw Failure.usage("cannot read " + path + ": " + e.getMessage());
        }
        return buffer.array();
    }
}
