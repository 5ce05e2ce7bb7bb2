package io.edgegate.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

/**
 * An OSGi Feature file (OSGi Compendium, Feature Service): its id and the bundles it lists, in order.
 * Only what the launcher needs is read; other members are skipped.
 */
public record Feature(String id, String name, List<Artifact> bundles) {

    /** A Maven coordinate {@code groupId:artifactId:version}. */
    public record Artifact(String groupId, String artifactId, String version) {
        public static Artifact parse(String id) {
            String[] p = id.split(":");
            if (p.length != 3 || p[0].isBlank() || p[1].isBlank() || p[2].isBlank()) {
                throw new IllegalArgumentException("bundle id '" + id + "' is not groupId:artifactId:version");
            }
            return new Artifact(p[0], p[1], p[2]);
        }

        /** The file name Maven gives the artifact's jar. */
        public String fileName() {
            return artifactId + "-" + version + ".jar";
        }

        @Override
        public String toString() {
            return groupId + ":" + artifactId + ":" + version;
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * Reads a feature file.
     *
     * @param source names the file in error messages
     * @throws IOException if it is not a feature file
     */
    public static Feature read(InputStream in, String source) throws IOException {
        String id = null;
        String name = null;
        List<Artifact> bundles = new ArrayList<>();
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(source + ": a feature file is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = text(p, value, "id", source);
                    case "name" -> name = text(p, value, "name", source);
                    case "bundles" -> readBundles(p, value, bundles, source);
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
        if (id == null) {
            throw new IOException(source + ": a feature needs an \"id\"");
        }
        return new Feature(id, name != null ? name : id, List.copyOf(bundles));
    }

    private static String text(JsonParser p, JsonToken token, String field, String source) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw new IOException(source + ": \"" + field + "\" must be a string");
        }
        return p.getText();
    }

    private static void readBundles(JsonParser p, JsonToken start, List<Artifact> out, String source)
            throws IOException {
        if (start != JsonToken.START_ARRAY) {
            throw new IOException(source + ": \"bundles\" must be a list");
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                out.add(Artifact.parse(p.getText()));
            } else if (p.currentToken() == JsonToken.START_OBJECT) {
                String bundleId = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    JsonToken v = p.nextToken();
                    if (f.equals("id")) {
                        bundleId = text(p, v, "id", source);
                    } else {
                        p.skipChildren();
                    }
                }
                if (bundleId == null) {
                    throw new IOException(source + ": a bundle entry has no \"id\"");
                }
                out.add(Artifact.parse(bundleId));
            } else {
                throw new IOException(source + ": a bundle entry is an id string or an object with \"id\"");
            }
        }
    }
}
