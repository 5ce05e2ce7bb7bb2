package io.edgegate.edgectl;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.edgegate.trust.ArtifactType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option types; a value they cannot read is a usage error (exit 2) with a message saying what would do. */
final class Converters {
    private Converters() {
    }

    /**
     * An expiry: an ISO-8601 instant ({@code 2027-06-30T00:00:00Z}), a date ({@code 2027-06-30}, midnight UTC), or
     * a duration from now: {@code 90d}, {@code 12h}, {@code 30m}, {@code 2w} or ISO-8601 ({@code P90D}).
     */
    static final class Expiry implements ITypeConverter<Instant> {
        private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhdw])");

        @Override
        public Instant convert(String value) {
            String v = value.trim();
            Matcher m = SHORT.matcher(v.toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(7 * n);
                };
                return Instant.now().plus(d).truncatedTo(ChronoUnit.SECONDS);
            }
            try {
                if (v.startsWith("P") || v.startsWith("p")) {
                    return Instant.now().plus(Duration.parse(v)).truncatedTo(ChronoUnit.SECONDS);
                }
                if (v.length() == 10) {
                    return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return Instant.parse(v);
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new TypeConversionException("'" + value + "' is not an expiry: give an instant such as "
                        + "2027-06-30T00:00:00Z, a date such as 2027-06-30, or a duration such as 90d, 12h or P90D");
            }
        }
    }

    /** {@code model}, {@code bundle} or {@code trust-root}, as in manifests. */
    static final class Type implements ITypeConverter<ArtifactType> {
        @Override
        public ArtifactType convert(String value) {
            try {
                return ArtifactType.fromManifestName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A time limit: {@code 30s}, {@code 500ms}, {@code 2m}, a plain number of seconds, or ISO-8601 ({@code PT30S}). */
    static final class Timeout implements ITypeConverter<Duration> {
        private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            Matcher m = SHORT.matcher(v);
            Duration d;
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                d = switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofSeconds(n);
                };
            } else {
                try {
                    d = Duration.parse(value.trim());
                } catch (DateTimeParseException e) {
                    throw new TypeConversionException("'" + value + "' is not a time limit: give 30s, 500ms, 2m or "
                            + "a number of seconds");
                }
            }
            if (d.isNegative() || d.isZero()) {
                throw new TypeConversionException("'" + value + "' must be longer than zero");
            }
            return d;
        }

        /** "30 s", "1.5 s", "500 ms": how the time limit reads in a message. */
        static String format(Duration d) {
            long ms = d.toMillis();
            if (ms < 1000) {
                return ms + " ms";
            }
            return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
    }

    /** A size in bytes: {@code 262144}, {@code 256k} / {@code 256KiB}, {@code 1m} / {@code 1MiB}. */
    static final class Size implements ITypeConverter<Integer> {
        private static final Pattern SIZE = Pattern.compile("(\\d{1,10})\\s*(k|kib|kb|m|mib|mb)?");

        @Override
        public Integer convert(String value) {
            Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new TypeConversionException("'" + value + "' is not a size: give bytes, or 256k, 512KiB, 1m");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "" : m.group(2);
            long bytes = unit.startsWith("k") ? n * 1024 : unit.startsWith("m") ? n * 1024 * 1024 : n;
            if (bytes > Integer.MAX_VALUE) {
                throw new TypeConversionException("'" + value + "' is too large");
            }
            return (int) bytes;
        }
    }
}
