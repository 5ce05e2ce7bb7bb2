package io.edgegate.mqtt.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgegate.mqtt.impl.Uploads.Upload;
import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.CheckedManifest;
import io.edgegate.trust.VerificationException;

/**
 * The chunked, resumable upload protocol shared by {@code models/deploy}, {@code bundles/install} and
 * {@code bundles/update} (docs/mqtt.md): a begin whose manifest is checked before anything is stored, then raw
 * chunks with the user properties {@code upload} and {@code offset}; the chunk that completes the content
 * installs it.
 */
final class Transfers {
    private static final Logger LOG = LoggerFactory.getLogger(Transfers.class);

    /** Installs a complete upload; its reply answers the last chunk. */
    interface Installer {
        Reply install(Upload upload) throws OpException;
    }

    private final Uploads uploads;
    private final Services services;

    Transfers(Uploads uploads, Services services) {
        this.uploads = uploads;
        this.services = services;
    }

    /** Whether a request is a chunk (it names its upload) rather than a begin. */
    static boolean isChunk(Request r) {
        return r.property("upload") != null;
    }

    /**
     * Checks the manifest (signature, name, version, expiry, targets, replay) and starts or resumes the upload.
     * Result: {@code {"upload", "offset", "length"}}.
     */
    Reply begin(String operation, ArtifactType type, String name, long version, ObjectNode manifest)
            throws OpException {
        byte[] bytes;
        try {
            bytes = Body.JSON.writeValueAsBytes(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        CheckedManifest m;
        try {
            m = services.verifier().check(type, name, new ByteArrayInputStream(bytes));
        } catch (VerificationException e) {
            LOG.info("MQTT {}: {} '{}' version {} refused before upload: {}: {}", operation, type.manifestName(),
                    name, version, e.reason(), e.getMessage());
            throw OpException.refused(operation, e);
        }
        if (m.version() != version) {
            throw new OpException(400, operation + ": the manifest is for version " + m.version() + ", not "
                    + version);
        }
        try {
            Upload u = uploads.begin(operation, m, bytes);
            long offset = u.offset();
            LOG.info("MQTT {}: upload {} of {} '{}' version {}: {} of {} bytes held", operation, u.id(),
                    type.manifestName(), name, version, offset, m.length());
            ObjectNode result = Body.JSON.createObjectNode();
            result.put("upload", u.id());
            result.put("offset", offset);
            result.put("length", m.length());
            return Reply.ok(result);
        } catch (IOException e) {
            LOG.error("MQTT {}: cannot store an upload: {}", operation, e.toString());
            throw new OpException(500, operation + ": cannot store the upload: " + e.getMessage());
        }
    }

    /**
     * Stores one chunk. Reply 202 {@code {"offset"}} while bytes are missing; the installer's reply for the chunk
     * that completes the content (or for an empty chunk at the end of a complete upload, after an interruption).
     */
    Reply chunk(String operation, Request r, Installer installer) throws OpException {
        String id = r.property("upload");
        if (!Uploads.ID.matcher(id).matches()) {
            throw new OpException(400, operation + ": '" + Body.abbreviate(id) + "' is not an upload id");
        }
        long offset = offset(operation, r.property("offset"));
        synchronized (uploads.lock(id)) {
            Optional<Upload> found = uploads.find(id).filter(u -> u.operation().equals(operation));
            if (found.isEmpty()) {
                throw new OpException(404, operation + ": no upload " + id + "; begin it (again)");
            }
            Upload u = found.get();
            try {
                long at = u.offset();
                if (offset != at) {
                    ObjectNode expected = Body.JSON.createObjectNode();
                    expected.put("offset", at);
                    throw new OpException(409, operation + ": upload " + id + " continues at offset " + at + ", not "
                            + offset, expected);
                }
                long end = offset + r.payload().length;
                if (end > u.length()) {
                    throw new OpException(400, operation + ": the chunk ends at " + end + ", beyond the declared "
                            + "length " + u.length());
                }
                if (r.payload().length > 0) {
                    uploads.append(u, r.payload());
                }
                if (end < u.length()) {
                    ObjectNode next = Body.JSON.createObjectNode();
                    next.put("offset", end);
                    return Reply.of(202, next);
                }
            } catch (IOException e) {
                LOG.error("MQTT {}: cannot store a chunk of upload {}: {}", operation, id, e.toString());
                throw new OpException(500, operation + ": cannot store the chunk: " + e.getMessage());
            }
            Reply reply;
            try {
                reply = installer.install(u);
            } catch (OpException e) {
                if (e.status() < 500) {
                    uploads.remove(id); // refused for good: a new begin starts over
                }
                throw e;
            }
            uploads.remove(id);
            return reply;
        }
    }

    private static long offset(String operation, String text) throws OpException {
        if (text != null) {
            try {
                long v = Long.parseLong(text);
                if (v >= 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // the message below
            }
        }
        throw new OpException(400, operation + ": a chunk needs the user property 'offset', a byte offset");
    }
}
