package io.edgegate.mqtt.impl;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * One message as it arrived, copied off Paho's objects on its callback thread so that the workers never touch
 * them.
 *
 * @param topic the topic it was published to (without a {@code $share} prefix)
 * @param payload its bytes
 * @param responseTopic where the reply goes; {@code null}: nowhere
 * @param correlation the correlation data to echo; {@code null} if none
 * @param properties its user properties (the first value of each name)
 * @param contentType its content type, if declared
 */
record Request(String topic, byte[] payload, String responseTopic, byte[] correlation,
        Map<String, String> properties, String contentType) {

    static Request of(String topic, MqttMessage message) {
        MqttProperties p = message.getProperties();
        Map<String, String> user = new LinkedHashMap<>();
        String responseTopic = null;
        byte[] correlation = null;
        String contentType = null;
        if (p != null) {
            if (p.getUserProperties() != null) {
                for (UserProperty u : p.getUserProperties()) {
                    user.putIfAbsent(u.getKey(), u.getValue());
                }
            }
            responseTopic = p.getResponseTopic();
            correlation = p.getCorrelationData();
            contentType = p.getContentType();
        }
        byte[] payload = message.getPayload();
        return new Request(topic, payload == null ? new byte[0] : payload.clone(),
                responseTopic == null || responseTopic.isEmpty() ? null : responseTopic,
                correlation == null ? null : correlation.clone(), Map.copyOf(user), contentType);
    }

    /** A user property, or {@code null}. */
    String property(String name) {
        return properties.get(name);
    }

    /** What identifies a repeated request: the topic and the correlation data. */
    String key() {
        return topic + "\n" + (correlation == null ? "" : HexFormat.of().formatHex(correlation));
    }
}
