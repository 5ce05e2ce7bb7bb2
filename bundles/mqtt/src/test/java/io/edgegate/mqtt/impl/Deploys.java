package io.edgegate.mqtt.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import io.edgegate.mqtt.impl.TestClient.Answer;

/** The client side of a chunked upload, as edgectl does it. */
final class Deploys {
    private Deploys() {
    }

    static String begin(String name, long version, byte[] manifest) {
        return "{\"name\": \"" + name + "\", \"version\": " + version + ", \"manifest\": "
                + new String(manifest, StandardCharsets.UTF_8) + "}";
    }

    static Answer chunk(TestClient client, String topic, String upload, long offset, byte[] bytes, byte[] correlation)
            throws Exception {
        return client.request(topic, bytes, correlation, List.of(new UserProperty("upload", upload),
                new UserProperty("offset", Long.toString(offset))));
    }

    /** Sends {@code content} from {@code offset} in chunks of {@code size}; returns the last reply. */
    static Answer upload(TestClient client, String topic, String upload, byte[] content, long offset, int size)
            throws Exception {
        Answer last = null;
        for (int at = (int) offset; at < content.length; at += size) {
            byte[] part = Arrays.copyOfRange(content, at, Math.min(content.length, at + size));
            last = chunk(client, topic, upload, at, part, TestClient.fresh());
            if (at + part.length < content.length) {
                assertEquals(202, last.status(), last.toString());
                assertEquals(at + part.length, last.result().path("offset").asLong());
            }
        }
        return last;
    }
}
