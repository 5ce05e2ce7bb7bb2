package io.edgegate.store.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.edgegate.store.VersionPolicy;

/**
 * Reads a model folder's own {@code model.json} ({@code models/<name>/model.json}), which holds what applies
 * to the model as a whole: {@code {"version_policy": {"latest": {"num_versions": 2}}}}, {@code {"specific":
 * {"versions": [1, 3]}}} or {@code {"all": {}}}.
 */
final class PolicyJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PolicyJson() {
    }

    /** @throws IOException naming what is wrong */
    static VersionPolicy read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return VersionPolicy.defaultPolicy();
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + " must hold a JSON object");
        }
        for (var it = root.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!f.equals("version_policy")) {
                throw new IOException(file + ": unknown field '" + f + "'; known: [version_policy]");
            }
        }
        JsonNode policy = root.path("version_policy");
        if (policy.isMissingNode()) {
            return VersionPolicy.defaultPolicy();
        }
        if (!policy.isObject() || policy.size() != 1) {
            throw new IOException(file + ": version_policy must be one of {\"latest\": {\"num_versions\": N}}, "
                    + "{\"specific\": {\"versions\": [...]}}, {\"all\": {}}");
        }
        try {
            if (policy.has("latest")) {
                JsonNode n = policy.path("latest").path("num_versions");
                if (n.isMissingNode()) {
                    return VersionPolicy.latest(1);
                }
                if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                    throw new IOException(file + ": latest.num_versions must be a positive integer");
                }
                return VersionPolicy.latest(n.asInt());
            }
            if (policy.has("specific")) {
                JsonNode list = policy.path("specific").path("versions");
                if (!list.isArray()) {
                    throw new IOException(file + ": specific.versions must be a list of versions");
                }
                Set<Long> versions = new LinkedHashSet<>();
                for (JsonNode v : list) {
                    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
                        throw new IOException(file + ": specific.versions holds " + v + ", not a version");
                    }
                    versions.add(v.asLong());
                }
                return VersionPolicy.specific(versions);
            }
            if (policy.has("all")) {
                return VersionPolicy.all();
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
        throw new IOException(file + ": unknown version_policy " + policy.fieldNames().next()
                + "; use latest, specific or all");
    }
}
