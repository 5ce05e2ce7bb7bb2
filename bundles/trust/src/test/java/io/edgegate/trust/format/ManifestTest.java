package io.edgegate.trust.format;

import static io.edgegate.trust.testing.Fixture.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.edgegate.trust.ArtifactType;
import io.edgegate.trust.VerificationException.Reason;

class ManifestTest {
    private static final String SHA = "af".repeat(32);

    private static String json(String field, String value) {
        String base = "{\"type\":\"model\",\"name\":\"all-minilm-l6-v2-int8\",\"version\":3,\"sha256\":\"" + SHA
                + "\",\"length\":23026053,\"expires\":\"2027-06-30T00:00:00Z\"}";
        if (field == null) {
            return base;
        }
        String replaced = base.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[0-9]+)", "\"" + field + "\":" + value);
        return replaced.equals(base) ? base.replace("}", ",\"" + field + "\":" + value + "}") : replaced;
    }

    private static Manifest parse(String json) throws Exception {
        return Manifest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void documentedExampleParses() throws Exception {
        Manifest m = parse(json("targets", "{\"gateways\":[\"gw-0042\"],\"hardware\":[\"linux-x86_64\"]}"));
        assertEquals(ArtifactType.MODEL, m.type());
        assertEquals("all-minilm-l6-v2-int8", m.name());
        assertEquals(3, m.version());
        assertEquals(23026053, m.length());
        assertEquals(Instant.parse("2027-06-30T00:00:00Z"), m.expires());
        assertEquals(List.of("gw-0042"), m.targets().gateways());
        assertTrue(m.targets().allowsHardware("linux-x86_64"));
        assertEquals(false, m.rollback());
    }

    @Test
    void writtenManifestParsesToTheSame() throws Exception {
        Manifest m = new Manifest(ArtifactType.BUNDLE, "io.edgegate.http", 12, SHA, 0,
                Instant.parse("2030-01-01T00:00:00Z"), new Targets(List.of(), List.of("linux-aarch64")), true);
        assertEquals(m, Manifest.parse(m.toJson()));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "version|0|positive",
        "version|-1|positive",
        "version|1.5|must be an integer",
        "version|\"3\"|must be an integer",
        "version|99999999999999999999|must be an integer",
        "version|null|must be an integer",
        "length|-1|must not be negative",
        "length|true|must be an integer",
        "sha256|\"AF\"|64 lower-case hex",
        "sha256|\"" + "AFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAFAF" + "\"|64 lower-case hex",
        "type|\"firmware\"|unknown artifact type",
        "type|[]|must be a string",
        "name|\"../etc\"|'name' must be",
        "name|\"\"|'name' must be",
        "name|\"a/b\"|'name' must be",
        "expires|\"next year\"|ISO-8601",
        "expires|1893456000|must be a string",
        "rollback|\"yes\"|true or false",
        "targets|[]|must be an object",
        "targets|{\"gateway\":[]}|unknown field 'gateway'",
        "targets|{\"gateways\":\"gw-1\"}|must be an array",
        "targets|{\"hardware\":[1]}|non-empty strings",
        "color|\"red\"|unknown field 'color'",
    })
    void badFieldIsRefusedWithAMessageNamingIt(String field, String value, String expected) {
        var e = refused(Reason.MALFORMED, () -> parse(json(field, value)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void missingFieldIsRefusedByName() {
        String noLength = json(null, null).replace(",\"length\":23026053", "");
        var e = refused(Reason.MALFORMED, () -> parse(noLength));
        assertTrue(e.getMessage().contains("missing field 'length'"), e.getMessage());
    }

    @Test
    void constructorRefusesWhatParseRefuses() {
        assertThrows(IllegalArgumentException.class, () -> new Manifest(ArtifactType.MODEL, "m", 0, SHA, 1,
                Instant.now(), Targets.ANY, false));
        assertThrows(IllegalArgumentException.class, () -> new Manifest(ArtifactType.MODEL, ".hidden", 1, SHA, 1,
                Instant.now(), Targets.ANY, false));
    }
}
