package io.edgegate.shell.impl;

import java.util.List;
import java.util.Locale;

import io.edgegate.optimizer.Variant;

/** What the optimizer commands print: a variant's report, and a table of variants. Pure: no service, no I/O. */
final class VariantTables {
    static final String NO_VARIANTS = "No variants.";

    private VariantTables() {
    }

    /** One row per variant: version, recipe, key, outcome, whether it serves, the guard's numbers, size, reason. */
    static String variants(List<Variant> variants) {
        if (variants.isEmpty()) {
            return NO_VARIANTS;
        }
        Table table = new Table("VERSION", "RECIPE", "KEY", "OUTCOME", "SERVED", "COSINE", "MAXDIFF", "TOP1", "SIZE",
                "REASON");
        for (Variant v : variants) {
            table.row(v.version(), v.recipe() + options(v), v.key(), v.outcome(), v.served() ? "yes" : "no",
                    v.metrics() == null ? null : number(v.metrics().cosineMean(), 5),
                    v.metrics() == null ? null : number(v.metrics().maxAbsDiff(), 4),
                    v.metrics() == null || v.metrics().top1Agreement() == null ? null
                            : number(v.metrics().top1Agreement(), 4),
                    v.variantSha256() == null ? null : ratio(v), v.reason());
        }
        return table.render();
    }

    /** The whole report of one variant, a line per aspect. */
    static String report(Variant v) {
        StringBuilder out = new StringBuilder();
        out.append(v.outcome()).append(": ").append(v.recipe()).append(options(v)).append(" variant ").append(v.key())
                .append(" of ").append(v.model()).append(" version ").append(v.version())
                .append(v.served() ? " (serves)" : "").append('\n');
        if (v.reason() != null) {
            out.append("  reason:     ").append(v.reason()).append('\n');
        }
        if (v.metrics() != null) {
            Variant.Metrics m = v.metrics();
            out.append("  guard:      cosine ").append(number(m.cosineMean(), 5)).append(" mean, ")
                    .append(number(m.cosineMin(), 5)).append(" lowest; max abs diff ").append(number(m.maxAbsDiff(), 4))
                    .append("; top-1 ").append(m.top1Agreement() == null ? "-" : number(m.top1Agreement(), 4))
                    .append(" (").append(m.samples()).append(' ').append(m.inputs()).append(" samples)\n");
        }
        if (v.thresholds() != null) {
            out.append("  thresholds: minCosine ").append(v.thresholds().minCosine()).append(", maxAbsDiff ")
                    .append(v.thresholds().maxAbsDiff() == null ? "-" : v.thresholds().maxAbsDiff())
                    .append(", minTop1 ").append(v.thresholds().minTop1()).append('\n');
        }
        out.append("  size:       ").append(v.sourceBytes()).append(" -> ")
                .append(v.variantSha256() == null ? "-" : v.variantBytes() + " bytes (" + ratio(v) + ")").append('\n');
        out.append("  lineage:    made from sha256 ").append(v.sourceSha256()).append(" with ONNX Runtime ")
                .append(v.onnxRuntime()).append(" at ").append(v.created()).append('\n');
        out.append("  time:       recipe ").append(v.recipeMillis()).append(" ms, guard ").append(v.guardMillis())
                .append(" ms");
        v.modelFile().ifPresent(f -> out.append("\n  file:       ").append(f));
        return out.toString();
    }

    private static String options(Variant v) {
        return v.options().isEmpty() ? "" : " " + new java.util.TreeMap<>(v.options());
    }

    private static String ratio(Variant v) {
        return v.sourceBytes() == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", (double) v.variantBytes()
                / v.sourceBytes());
    }

    private static String number(double d, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", d);
    }
}
